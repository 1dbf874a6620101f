"""Shares of a phase's CPU samples (folded stacks, as inferno-collapse-perf writes them):
for each item, the samples whose stack passes through a frame that matches it (so an item
includes its callees, and items overlap), then the functions with the most samples of
their own. Usage: shares.py FOLDED PHASE"""
import collections, re, sys
PATTERNS = [
    ("engine apply (Engine::apply)", r"provisio_engine::Engine::apply$|provisio_projector::read_ahead::apply_parsed"),
    ("  offer apply (Engine::offer)", r"provisio_engine::Engine>::offer$"),
    ("  copy-on-write copies (Arc::make_mut)", r"Arc<T,A>::make_mut$"),
    ("  map lookups (CowMap::get*)", r"CowMap<K,V,_>::get"),
    ("publishing a reader snapshot", r"Projection::publish_snapshot$"),
    ("freeing old engine versions (drop Engine)", r"drop_slow<provisio_engine::Engine"),
    ("decoding and validating messages", r"provisio_ingest::decode::decode$"),
    ("parsing stored events (read-ahead)", r"provisio_projector::read_ahead::read_ahead"),
    ("JSON serialising (serde_json ser)", r"serde_json::ser::"),
    ("JSON parsing (serde_json de)", r"serde_json::de::"),
    ("sqlx argument encoding", r"sqlx_postgres::arguments::PgArgumentBuffer::encode"),
    ("sqlx / PostgreSQL protocol (all)", r"^sqlx_"),
    ("NATS client (async_nats)", r"^async_nats::"),
    ("SSE / HTTP (hyper, axum)", r"^hyper::|^axum::"),
    ("allocator (mimalloc)", r"^_?mi_"),
    ("page faults (kernel)", r"^asm_exc_page_fault$"),
    ("system calls (kernel)", r"^entry_SYSCALL_64"),
]
n = 0
hits = collections.Counter()
own = collections.Counter()
for line in open(sys.argv[1]):
    stack, count = line.rsplit(" ", 1)
    count = int(count); n += count
    frames = stack.split(";")
    own[frames[-1]] += count
    for name, pat in PATTERNS:
        if any(re.search(pat, f) for f in frames):
            hits[name] += count
print(f"## {sys.argv[2]}")
for name, _ in PATTERNS:
    if hits[name] * 100 >= n: print(f"  {100*hits[name]/n:5.1f} %  {name}")
print("  top self:")
for f, c in own.most_common(8): print(f"  {100*c/n:5.1f} %  {f[:100]}")
