#!/usr/bin/env python3
"""Lists the dependencies cargo compiles twice for a test build: once for the program and once
for the host (proc macros, build scripts) with other features. For each, the features only the
program's copy has are the ones to add to crates/host-features/Cargo.toml.

Uses cargo's unit graph (an unstable output, enabled here for stable cargo): nothing is built.
Usage: python3 tools/host_features.py [name filter...]"""
import json,subprocess,os,sys
from collections import defaultdict
env=dict(os.environ,__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS='nightly')
out=subprocess.run(['cargo','test','--workspace','--no-run','-Z','unstable-options','--unit-graph'],cwd=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'),env=env,capture_output=True,text=True)
if out.returncode: print(out.stderr[-2000:]); sys.exit(1)
units=json.loads(out.stdout)['units']
host=set()
stack=[]
for i,u in enumerate(units):
    if u['target'].get('proc_macro') or 'proc-macro' in u['target']['kind'] or u['mode']=='build' and u['target']['name'].startswith('build-script'):
        stack += [d['index'] for d in u['dependencies']]
while stack:
    i=stack.pop()
    if i in host: continue
    host.add(i); stack += [d['index'] for d in units[i]['dependencies']]
g=defaultdict(list)
for i,u in enumerate(units): g[(u['pkg_id'].split('#')[-1], u['target']['name'], u['mode'])].append(i)
d=[(k,v) for k,v in g.items() if len(v)>1]
print('units',len(units),'dup keys',len(d))
for k,v in sorted(d):
    if len(sys.argv)>1 and not any(a in k[0] for a in sys.argv[1:]): continue
    a,b=units[v[0]],units[v[1]]
    ha,hb=v[0] in host, v[1] in host
    if ha and not hb: a,b=b,a
    fa,fb=set(a['features']),set(b['features'])
    print(k, 'target-only',sorted(fa-fb),'host-only',sorted(fb-fa))
