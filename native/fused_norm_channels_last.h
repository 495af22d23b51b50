// The fused instance norm + ReLU + reflection pad, and reflection padding alone, on channels-last tensors
// ([N, H, W, C] in memory), forward and backward (fused_norm_channels_last.cc). ops_fused_norm.cc calls these
// for channels-last inputs and the plane loops for contiguous ones.
#pragma once
#include <cstdint>

// out [N, H + 2p, W + 2p, C] = reflection_pad(relu?(instance_norm(x [N, H, W, C]))); stats [N, C, 2] receives
// each channel's scale (1 / standard deviation) and shift (-mean * scale).
void NormReluPadChannelsLast(const float* x, float* out, float* stats, int64_t n, int64_t h, int64_t w, int64_t c, int64_t p, double eps, bool relu);

// gradIn [N, H, W, C] from the padded output's gradient gradOut [N, H + 2p, W + 2p, C], the input x and stats.
void NormReluPadChannelsLastBackward(const float* gradOut, const float* x, const float* stats, float* gradIn, int64_t n, int64_t h, int64_t w, int64_t c,
                                     int64_t p, bool relu);

// out [N, H + 2p, W + 2p, C] = reflection_pad(x [N, H, W, C]), and its backward (the border folded back).
void ReflectionPadChannelsLast(const float* x, float* out, int64_t n, int64_t h, int64_t w, int64_t c, int64_t p);
void ReflectionPadChannelsLastBackward(const float* gradOut, float* gradIn, int64_t n, int64_t h, int64_t w, int64_t c, int64_t p);
