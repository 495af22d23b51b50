// Reflection padding's index map, shared by the plane loops (ops_fused_norm.cc) and the channels-last loops
// (fused_norm_channels_last.cc).
#pragma once
#include <cstdint>

// Where padded index i (0 <= i < n + 2p) reads from in a length-n line reflected by p (no edge repeat).
inline int64_t ReflectIndex(int64_t i, int64_t p, int64_t n) {
  int64_t s = i - p;
  if (s < 0) s = -s;
  if (s >= n) s = 2 * (n - 1) - s;
  return s;
}
