/*
 * tls_probe.c: a shared object that uses the thread arena, as a Node addon
 * does. build.zig checks that linking the static library into it does not
 * demand static TLS (DF_STATIC_TLS), which dlopen could refuse.
 */
#include "engram_arena.h"

int engram_tls_probe(void) {
    engram_arena *arena = 0;
    int32_t status = engram_thread_arena(&arena);
    engram_deinit_thread_arena();
    return status;
}
