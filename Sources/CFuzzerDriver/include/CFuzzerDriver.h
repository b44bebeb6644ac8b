#ifndef C_FUZZER_DRIVER_H
#define C_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt), linked in by `-sanitize=fuzzer`: runs the fuzzing loop on
/// `callback` with libFuzzer's command-line options. Declared here so that one executable can hold
/// several fuzz targets and choose one at run time; only a fuzzing build calls it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
