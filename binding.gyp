{
  "targets": [
    {
      "target_name": "momentum_torch",
      "sources": ["<!@(node scripts/build-config.js sources)"],
      "include_dirs": [
        "<!(node scripts/build-config.js nodeAddonApi)",
        "<!@(node scripts/build-config.js includeDirs)"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-fexceptions", "-frtti", "-O2", "<!@(node scripts/build-config.js cxxFlags)"],
      "ldflags": ["<!@(node scripts/build-config.js ldflags)"],
      "libraries": ["<!@(node scripts/build-config.js libraries)"]
    }
  ]
}
