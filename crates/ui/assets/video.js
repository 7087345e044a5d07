// embarq video rooms: a WebRTC mesh (everyone sends to everyone, up to 8 people) signalled
// through embarq's own WebSocket. Plain browser APIs, no library. The page may be reached
// through an htmx-boosted navigation, so this file can run several times: each run binds the
// room element of the current page once, and leaving the page (navigation or close) hangs up.
(function () {
  "use strict";

  function Room(root) {
    this.root = root;
    this.d = root.dataset;
    try { this.iceServers = JSON.parse(this.d.ice || "[]"); } catch (_) { this.iceServers = []; }
    this.grid = root.querySelector("#video-grid");
    this.self = root.querySelector("#video-self");
    this.status = root.querySelector("#video-status");
    this.alert = root.querySelector("#video-alert");
    this.btnJoin = root.querySelector("#video-join");
    this.btnMic = root.querySelector("#video-mic");
    this.btnCam = root.querySelector("#video-cam");
    this.btnLeave = root.querySelector("#video-leave");
    this.peers = new Map();
    this.ws = null;
    this.me = null;
    this.stream = null;
    this.leaving = false;
    var r = this;
    this.btnJoin.addEventListener("click", function () { r.join(); });
    this.btnLeave.addEventListener("click", function () { r.hangUp(r.d.msgLeft); });
    this.btnMic.addEventListener("click", function () { r.toggle("audio", r.btnMic, r.d.msgMicOff, r.d.msgMicOn); });
    this.btnCam.addEventListener("click", function () { r.toggle("video", r.btnCam, r.d.msgCamOff, r.d.msgCamOn); });
    if (!window.RTCPeerConnection || !window.WebSocket) {
      this.btnJoin.disabled = true;
      this.showAlert(this.d.msgNoWebrtc);
    }
  }

  Room.prototype.say = function (text) {
    if (this.status) this.status.textContent = text || "";
  };

  Room.prototype.showAlert = function (text) {
    if (!this.alert) return;
    this.alert.textContent = text || "";
    this.alert.hidden = !text;
  };

  Room.prototype.getMedia = async function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
    var wanted = [
      { audio: true, video: { width: { ideal: 640 }, height: { ideal: 360 } } },
      { audio: true, video: false },
      { audio: false, video: true }
    ];
    for (var i = 0; i < wanted.length; i++) {
      try { return await navigator.mediaDevices.getUserMedia(wanted[i]); } catch (_) { /* next */ }
    }
    return null;
  };

  Room.prototype.join = async function () {
    if (this.ws) return;
    this.leaving = false;
    this.showAlert("");
    this.btnJoin.disabled = true;
    this.say(this.d.msgJoining);
    if (!this.stream) {
      this.stream = await this.getMedia();
      if (this.stream) {
        this.self.srcObject = this.stream;
        this.self.play().catch(function () {});
      } else {
        this.showAlert(this.d.msgMedia);
      }
    }
    this.setButtons(true);
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    var ws = new WebSocket(proto + "//" + location.host + this.d.ws);
    this.ws = ws;
    var r = this;
    ws.onopen = function () { ws.send(JSON.stringify({ type: "join" })); };
    ws.onmessage = function (e) {
      var m;
      try { m = JSON.parse(e.data); } catch (_) { return; }
      r.onMessage(m);
    };
    ws.onclose = function (e) {
      if (r.ws !== ws) return;
      r.ws = null;
      r.closePeers();
      r.setButtons(false);
      if (e.code === 4008) {
        r.showAlert(r.d.msgFull);
        r.say("");
        r.stopMedia();
      } else if (!r.leaving) {
        r.say(r.d.msgDisconnected);
      }
    };
  };

  Room.prototype.setButtons = function (inRoom) {
    this.btnJoin.disabled = inRoom;
    this.btnLeave.disabled = !inRoom;
    var s = this.stream;
    this.btnMic.disabled = !inRoom || !s || s.getAudioTracks().length === 0;
    this.btnCam.disabled = !inRoom || !s || s.getVideoTracks().length === 0;
  };

  Room.prototype.send = function (m) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  };

  Room.prototype.onMessage = function (m) {
    var r = this;
    switch (m.type) {
      case "welcome":
        this.me = m.peer;
        (m.peers || []).forEach(function (p) { r.peer(p.peer, p.name, true); });
        this.updateStatus();
        break;
      case "full":
        this.showAlert(this.d.msgFull);
        break;
      case "join":
        this.peer(m.from, m.name, false);
        this.updateStatus();
        break;
      case "leave":
        this.removePeer(m.from);
        break;
      case "offer":
      case "answer":
      case "ice":
        this.signal(m);
        break;
      case "error":
        break;
    }
  };

  Room.prototype.updateStatus = function () {
    this.say(this.peers.size === 0 ? this.d.msgAlone : this.d.msgConnected);
    var count = this.root.querySelector("#video-count");
    if (count && this.d.count) count.textContent = this.d.count.replace("__N__", String(this.peers.size + 1));
  };

  // One RTCPeerConnection per other participant; the newcomer makes the offers.
  Room.prototype.peer = function (id, name, initiator) {
    var existing = this.peers.get(id);
    if (existing) {
      if (name) existing.caption.textContent = name;
      return existing;
    }
    var r = this;
    var pc = new RTCPeerConnection({ iceServers: this.iceServers });
    var fig = document.createElement("figure");
    fig.className = "video-tile";
    fig.dataset.peer = id;
    var video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-label", name || "");
    var caption = document.createElement("figcaption");
    caption.textContent = name || "";
    fig.appendChild(video);
    fig.appendChild(caption);
    this.grid.appendChild(fig);
    var p = { id: id, pc: pc, tile: fig, video: video, caption: caption, queue: Promise.resolve() };
    this.peers.set(id, p);
    if (this.stream) {
      this.stream.getTracks().forEach(function (t) { pc.addTrack(t, r.stream); });
    }
    // Without a camera or microphone, still ask to receive the others.
    if (!this.stream || this.stream.getAudioTracks().length === 0) pc.addTransceiver("audio", { direction: "recvonly" });
    if (!this.stream || this.stream.getVideoTracks().length === 0) pc.addTransceiver("video", { direction: "recvonly" });
    pc.onicecandidate = function (e) {
      r.send({ type: "ice", to: id, candidate: e.candidate ? e.candidate.toJSON() : null });
    };
    pc.ontrack = function (e) {
      var stream = e.streams && e.streams[0];
      if (!stream) {
        stream = video.srcObject || new MediaStream();
        stream.addTrack(e.track);
      }
      if (video.srcObject !== stream) video.srcObject = stream;
      video.play().catch(function () {});
    };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "failed" || pc.connectionState === "closed") r.removePeer(id);
    };
    if (initiator) {
      this.enqueue(p, async function () {
        var offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        r.send({ type: "offer", to: id, sdp: { type: "offer", sdp: pc.localDescription.sdp } });
      });
    }
    return p;
  };

  // Messages of one peer are applied in order (a candidate needs its description first).
  Room.prototype.enqueue = function (p, task) {
    p.queue = p.queue.then(task).catch(function (err) {
      if (window.console) console.warn("video signalling", err);
    });
  };

  Room.prototype.signal = function (m) {
    var r = this;
    var p = this.peers.get(m.from) || this.peer(m.from, "", false);
    var pc = p.pc;
    this.enqueue(p, async function () {
      if (m.type === "offer") {
        await pc.setRemoteDescription(m.sdp);
        var answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        r.send({ type: "answer", to: m.from, sdp: { type: "answer", sdp: pc.localDescription.sdp } });
      } else if (m.type === "answer") {
        await pc.setRemoteDescription(m.sdp);
      } else if (m.type === "ice" && m.candidate && m.candidate.candidate) {
        await pc.addIceCandidate(m.candidate);
      }
    });
    this.updateStatus();
  };

  Room.prototype.removePeer = function (id) {
    var p = this.peers.get(id);
    if (!p) return;
    this.peers.delete(id);
    try { p.pc.close(); } catch (_) { /* already closed */ }
    p.video.srcObject = null;
    p.tile.remove();
    if (this.ws) this.updateStatus();
  };

  Room.prototype.closePeers = function () {
    var r = this;
    Array.from(this.peers.keys()).forEach(function (id) { r.removePeer(id); });
  };

  Room.prototype.stopMedia = function () {
    if (this.stream) this.stream.getTracks().forEach(function (t) { t.stop(); });
    this.stream = null;
    if (this.self) this.self.srcObject = null;
  };

  Room.prototype.toggle = function (kind, btn, offLabel, onLabel) {
    if (!this.stream) return;
    var tracks = kind === "audio" ? this.stream.getAudioTracks() : this.stream.getVideoTracks();
    if (tracks.length === 0) return;
    var enabled = !tracks[0].enabled;
    tracks.forEach(function (t) { t.enabled = enabled; });
    // aria-pressed: the "mute" / "camera off" action is in effect.
    btn.setAttribute("aria-pressed", enabled ? "false" : "true");
    btn.textContent = enabled ? offLabel : onLabel;
  };

  Room.prototype.hangUp = function (message) {
    this.leaving = true;
    if (this.ws) {
      this.send({ type: "leave" });
      try { this.ws.close(1000); } catch (_) { /* closed */ }
    }
    this.ws = null;
    this.closePeers();
    this.stopMedia();
    this.setButtons(false);
    this.btnMic.setAttribute("aria-pressed", "false");
    this.btnMic.textContent = this.d.msgMicOff;
    this.btnCam.setAttribute("aria-pressed", "false");
    this.btnCam.textContent = this.d.msgCamOff;
    if (message !== undefined) this.say(message);
  };

  var current = null;

  function init() {
    var root = document.getElementById("video-room");
    if (!root || root.dataset.bound) return;
    if (current) current.hangUp();
    root.dataset.bound = "1";
    current = new Room(root);
    window.embarqVideoRoom = current;
  }

  if (!window.embarqVideoBound) {
    window.embarqVideoBound = true;
    // A boosted navigation away from the room replaces the page: hang up first.
    document.addEventListener("htmx:beforeSwap", function (e) {
      var target = e.detail && e.detail.target;
      if (current && target && target.contains(current.root)) { current.hangUp(); current = null; }
    });
    window.addEventListener("pagehide", function () {
      if (current) current.hangUp();
    });
    document.addEventListener("htmx:afterSettle", init);
    document.addEventListener("DOMContentLoaded", init);
  }
  init();
})();
