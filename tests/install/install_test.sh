#!/usr/bin/env bash
# `cmake --install` of this build into a scratch prefix, then an application built on it twice:
# with find_package(vkcnn) and with pkg-config. Both must classify with the installed model.
#   install_test.sh BUILD_DIR SCRATCH_DIR
set -euo pipefail
build="$1"
scratch="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="$scratch/prefix"
rm -rf "$scratch" && mkdir -p "$scratch"

cmake --install "$build" --prefix "$prefix" >"$scratch/install.log"
libdir="$(cd "$prefix" && ls -d lib*/ | head -n1)"
libdir="${libdir%/}"
# What a user of the plugin and of the results meta needs must be there too.
for f in include/vkcnn/vk/context.h include/vkcnn/shader_ids.h include/vkcnn/vkcnn-meta.h \
         "$libdir/pkgconfig/vkcnn.pc" "$libdir/cmake/vkcnn/vkcnnConfig.cmake" \
         share/vkcnn/models/fashion-mnist.vkcnn bin/vkcnn-classify; do
  [ -e "$prefix/$f" ] || { echo "install_test: $f is missing from the installed tree" >&2; exit 1; }
done
ls "$prefix/$libdir"/gstreamer-1.0/libgstvkcnn.so >/dev/null
# Private engine headers stay private.
if [ -e "$prefix/include/vkcnn/layers/conv2d.h" ]; then
  echo "install_test: a private header (layers/conv2d.h) was installed" >&2; exit 1
fi
model="$prefix/share/vkcnn/models/fashion-mnist.vkcnn"

cmake -S "$here/consumer" -B "$scratch/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/cmake-build" >/dev/null
"$scratch/cmake-build/consumer" "$model"

PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" pkg-config --exists vkcnn
# shellcheck disable=SC2046
g++ -std=c++20 -o "$scratch/pc-consumer" "$here/consumer/main.cpp" \
    $(PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" pkg-config --cflags --libs vkcnn)
"$scratch/pc-consumer" "$model"
