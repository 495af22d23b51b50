#!/usr/bin/env bash
# Developer tool (not part of npm test): syntax-checks every native/*.cc against a second set of
# libtorch headers, e.g. libtorch 2.x while the machine itself builds against Debian 12's 1.13.
#
#   scripts/check-libtorch2-headers.sh DIR
#
# DIR holds the unpacked headers: either a libtorch/pip layout (DIR/include/ATen/ATen.h) or an
# unpacked Debian package (DIR/usr/include/ATen/ATen.h), e.g.
#   curl -O https://deb.debian.org/debian/pool/main/p/pytorch/libtorch-dev_2.6.0+dfsg-7_amd64.deb
#   dpkg-deb -x libtorch-dev_2.6.0+dfsg-7_amd64.deb /tmp/libtorch2
#   scripts/check-libtorch2-headers.sh /tmp/libtorch2
#
# The given headers are searched before /usr/include, and the check fails if any ATen/c10/torch/
# caffe2 header is still taken from outside DIR (a header missing there would silently fall back to
# the system's libtorch). Extra compiler flags can be passed in CXXFLAGS.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR   (DIR/include/ATen/ATen.h or DIR/usr/include/ATen/ATen.h must exist)" >&2
  exit 2
fi
dir=$(cd "$1" && pwd)
if [ -f "$dir/include/ATen/ATen.h" ]; then inc="$dir/include"
elif [ -f "$dir/usr/include/ATen/ATen.h" ]; then inc="$dir/usr/include"
else echo "no ATen/ATen.h under $dir/include or $dir/usr/include" >&2; exit 2
fi
api="$inc/torch/csrc/api/include"

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
napi=$(node -p "require('node-addon-api').include_dir")
nodeinc="$(dirname "$(dirname "$(command -v node)")")/include/node"
[ -f "$nodeinc/node_api.h" ] || { echo "Node's headers not found at $nodeinc" >&2; exit 2; }
cxx=${CXX:-g++}

version=$(printf '#include <torch/version.h>\nTORCH_VERSION\n' |
  "$cxx" -E -P -x c++ -isystem "$inc" -isystem "$api" - | tail -n 1)
echo "libtorch headers: $inc (TORCH_VERSION $version)"

# The flags and defines of binding.gyp (cflags_cc, defines), without -O2 (no code is generated).
flags=(-std=c++17 -fsyntax-only -fexceptions -frtti -Wall -Wno-unused-parameter -Wno-deprecated-declarations
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -D_GLIBCXX_USE_CXX11_ABI=1
  -isystem "$inc" -isystem "$api" -I "$napi" -I "$nodeinc")
# shellcheck disable=SC2206
flags+=(${CXXFLAGS:-})

failed=0
for src in native/*.cc; do
  log=$(mktemp)
  if "$cxx" "${flags[@]}" -H "$src" >"$log" 2>&1; then status=ok; else status=FAILED; failed=1; fi
  # -H lists every header opened ('. /path', '.. /path', ...): none of libtorch's may come from outside DIR.
  leaked=$(grep -E '^\.+ ' "$log" | awk '{print $2}' | grep -E '/(ATen|c10|torch|caffe2)/' | grep -v "^$inc/" | sort -u || true)
  if [ -n "$leaked" ]; then
    status="FAILED (libtorch headers taken from outside $inc)"
    failed=1
  fi
  echo "$src: $status"
  # The compiler's messages, without -H's header tree and its list of headers lacking include guards.
  grep -vE '^\.+ |^Multiple include guards may be useful for:|^/[^:]*$' "$log" | sed 's/^/    /' || true
  if [ -n "$leaked" ]; then printf '    %s\n' $leaked; fi
  rm -f "$log"
done
exit $failed
