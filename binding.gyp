{
  "targets": [
    {
      "target_name": "cyclegan_native",
      "sources": [
        "native/addon.cc",
        "native/tensor_handle.cc",
        "native/convert.cc",
        "native/tensor_data.cc",
        "native/ops_elementwise.cc",
        "native/ops_nn.cc",
        "native/ops_fused_norm.cc",
        "native/fused_norm_channels_last.cc",
        "native/ops_interleave.cc",
        "native/ops_shape.cc",
        "native/ops_autograd.cc",
        "native/optim.cc",
        "native/runtime.cc",
        "native/caching_allocator.cc",
        "native/distributed.cc",
        "native/ops_pool.cc",
        "native/ops_linalg.cc",
        "native/onednn_conv.cc",
        "native/winograd_conv.cc",
        "native/direct_conv.cc",
        "native/narrow_conv.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/find-libtorch.mjs --include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "USE_C10D_GLOO",
        "<!@(node scripts/find-libtorch.mjs --defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      # -fno-math-errno: a square root that need not set errno is one instruction, so loops that take
      # one (the fused Adam step) can be vectorised; nothing here reads errno after a math function.
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-fno-math-errno", "-fopenmp", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": ["<!@(node scripts/find-libtorch.mjs --libs)"]
    }
  ]
}
