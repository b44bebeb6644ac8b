# Sourced by the scripts that compile against the debug build's modules (check-public-api.sh,
# check-docs.sh): sets `bin` (the build's products) and `maps` (the flags that make its C modules —
# NIO's shims, BoringSSL, … — visible to swiftc and symbolgraph-extract).
bin=$(swift build --show-bin-path)
maps=()
while IFS= read -r map; do maps+=(-Xcc "-fmodule-map-file=$map"); done < <(
    find "$bin" -maxdepth 2 -name module.modulemap
    find .build/checkouts -path '*/Sources/*/include/module.modulemap' -not -path '*/Benchmarks/*')
