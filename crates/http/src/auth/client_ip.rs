//! The client's address, for throttling and audit. Behind a reverse proxy every request
//! comes from the proxy, so `X-Forwarded-For` is read, but only when the connection comes
//! from a proxy listed in `EMBARQ_TRUSTED_PROXIES`: anyone else could write any address
//! there and escape their own throttle.
use crate::state::WebState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client address of a request (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<WebState> for ClientIp {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientIp(resolve(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// The peer, or when the peer is a trusted proxy, the right-most address of
/// `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the address it
/// saw, so that one was written by a proxy of ours, not by the client).
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return canonical(peer);
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map_while(|h| h.parse::<IpAddr>().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(hops.first())
        .map(|ip| canonical(*ip))
        .unwrap_or(canonical(peer))
}

/// IPv4 addresses seen through an IPv6 socket (`::ffff:a.b.c.d`) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        // Through the proxy: the address it appended.
        assert_eq!(resolve(proxy, &xff("203.0.113.7"), &trusted), client);
        // A client spoofing the header in front of the proxy gets its real address.
        assert_eq!(
            resolve(proxy, &xff("1.2.3.4, 203.0.113.7"), &trusted),
            client
        );
        // Several proxies of ours: skipped.
        assert_eq!(
            resolve(proxy, &xff("203.0.113.7, 10.0.0.9"), &trusted),
            client
        );
        // Not from a trusted proxy: the header is ignored.
        assert_eq!(resolve(client, &xff("1.2.3.4"), &trusted), client);
        assert_eq!(resolve(client, &xff("1.2.3.4"), &[]), client);
        // A trusted peer without a usable header is the client.
        assert_eq!(resolve(proxy, &HeaderMap::new(), &trusted), proxy);
        assert_eq!(resolve(proxy, &xff("garbage"), &trusted), proxy);
    }
}
