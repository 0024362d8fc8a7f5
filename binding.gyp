{
  "targets": [
    {
      "target_name": "caviar_native",
      "sources": ["native/addon.c", "native/gemm.c", "native/ops.c"],
      "cflags": ["-std=c11", "-O3", "-fno-math-errno", "-Wall", "-Wextra"],
      "cflags!": ["-O2"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=c11", "-O3", "-fno-math-errno"]
      }
    }
  ]
}
