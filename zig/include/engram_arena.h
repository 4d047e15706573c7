/*
 * engram_arena.h: the C ABI of the engram arena allocator.
 *
 * This header and zig/src/ffi.zig are the only boundary between the Zig
 * allocator and its hosts. Every function is callable from C; every struct has
 * a fixed layout (Zig `extern struct`). Sizes and counts are 64-bit on every
 * platform so that a host never has to guess the width of size_t.
 *
 * Threading: an arena is owned by one thread at a time; the library never
 * locks. The global config and the global metrics are safe from any thread.
 *
 * Memory: an instance arena (engram_arena_create) and the thread arena own
 * their buffer: the library reserves it and frees it. A hosted arena
 * (engram_arena_create_hosted) owns only its handle and manages memory the
 * host owns: the host lends it a block with engram_arena_bind, and the arena
 * uses that block in every call until the next bind (the host keeps it valid
 * until then). The library touches the block only inside calls on that arena,
 * in the calling thread, never frees it, and never touches it after the next
 * bind, nor at retire or destroy. Between calls the host may move
 * the block (the same bytes at another address) and bind it again; the
 * counters carry over. A hosted arena's fallbacks are the host's to serve
 * (see engram_arena_alloc). It counts in the gauges (live_arenas,
 * reserved_bytes) from creation to destroy as any arena does: the host's
 * block is its memory.
 */
#ifndef ENGRAM_ARENA_H
#define ENGRAM_ARENA_H

#include <stdint.h>

/* Status codes, strategies, limits and every struct below, generated from
 * zig/src/abi.zig. */
#include "engram_arena_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct engram_arena engram_arena; /* opaque */

/* ---- global config ---- */

/* The engram C API's entry point, kept for its callers: the size in MiB (1..1024) and a strategy.
 * Keeps the zero flag. */
int32_t engram_configure_arena(uint32_t pool_size_mb, uint8_t overflow_strategy);
/* Replaces the whole config after validating it: size_bytes from ENGRAM_MIN_CONFIG_SIZE_BYTES to
 * ENGRAM_MAX_SIZE_BYTES (else INVALID_SIZE), a known strategy and zero_on_reset 0 or 1
 * (else INVALID_ARGUMENT). */
int32_t engram_set_config(const engram_arena_options_t *config);
/* Reads the config in force, loading it from the environment on first use. */
void engram_get_config(engram_arena_options_t *out);
/* Forgets the config; the next read loads it from the environment again. */
void engram_reset_config(void);
/* ENGRAM_ENV_* bits of the variables that were present but invalid at the last load. */
uint32_t engram_config_env_errors(void);

/* ---- instance and hosted arenas ---- */

/* options->size_bytes 1..ENGRAM_MAX_SIZE_BYTES (else INVALID_SIZE), a known strategy and
 * zero_on_reset 0 or 1 (else INVALID_ARGUMENT). *out is NULL on failure. The buffer is
 * page-aligned and starts zeroed. */
int32_t engram_arena_create(const engram_arena_options_t *options, engram_arena **out);
/* A hosted arena (see Memory above): arguments, validation and status codes as
 * engram_arena_create, but only the handle is allocated. It counts in live_arenas and
 * reserved_bytes (size_bytes) until destroyed, and a refused reservation
 * (engram_testing_fail_reservations) makes it ENGRAM_ERR_INIT_FAILED. Until its first
 * engram_arena_bind it has no memory: engram_arena_alloc, engram_arena_reset and
 * engram_arena_expose answer ENGRAM_ERR_INVALID_ARGUMENT and change nothing, engram_arena_base
 * is NULL and engram_arena_remaining 0; size, stats, state and options answer as usual. */
int32_t engram_arena_create_hosted(const engram_arena_options_t *options, engram_arena **out);
/* Lends a hosted arena the memory_bytes bytes at memory, from now until the next bind: the
 * arena's bytes are memory[base .. base + size_bytes), base = align_up(memory, 4096) - memory,
 * written to *base_offset_out (0 on failure). memory_bytes must be at least size_bytes +
 * ENGRAM_HOSTED_SLACK_BYTES, else ENGRAM_ERR_INVALID_SIZE. memory_is_zero: 1 when every byte of
 * the block is zero (fresh memory), 0 otherwise. Nothing the arena counts changes (the state
 * record, what engram_arena_expose recorded): the host moved the same bytes here, or lends the
 * same block again. When base differs from the last bind's (or this is the first bind),
 * memory_is_zero is 0 and the arena zeroes on reset, the whole block memory[0 .. memory_bytes)
 * is zeroed: bytes moved to a differently aligned address no longer sit at their offsets, and
 * some would be handed out again as fresh. ENGRAM_ERR_INVALID_ARGUMENT for a NULL pointer,
 * memory_is_zero not 0 or 1, a block past the end of the address space, or an arena that is not
 * hosted; ENGRAM_ERR_DESTROYED for a destroyed one. */
int32_t engram_arena_bind(engram_arena *arena, uint8_t *memory, uint64_t memory_bytes,
                          uint8_t memory_is_zero, uint64_t *base_offset_out);
/* Frees the buffer and every fallback, folds counters into the metrics. NULL is a no-op.
 * A hosted arena frees nothing of the host's: its counters are folded, it leaves the gauges.
 * The handle itself is freed: using it afterwards is undefined (ENGRAM_ERR_DESTROYED is only
 * detectable for the thread arena's handle). Given the calling thread's arena handle, this is
 * engram_deinit_thread_arena(). */
void engram_arena_destroy(engram_arena *arena);
/* engram_arena_destroy with a status: ENGRAM_OK, or ENGRAM_ERR_INVALID_ARGUMENT (and nothing
 * changes) for the thread arena handle of another thread, which only that thread may deinit.
 * engram_arena_destroy refuses that handle the same way, silently. ENGRAM_ERR_DESTROYED for the
 * thread arena handle of a thread that has exited (its arena was freed at the exit). */
int32_t engram_arena_destroy_checked(engram_arena *arena);

/* ---- any arena (instance, hosted or thread) ---- */

/* With the fallback strategy, a heap that refuses the fallback yields ENGRAM_ERR_INIT_FAILED.
 * A hosted arena with the fallback strategy reserves nothing for a request that does not fit:
 * it counts it as any fallback (overflows, fallbacks, fallback_bytes, allocations,
 * bytes_allocated) and answers ENGRAM_OK with *out = {NULL, UINT64_MAX, 1}: the host serves it
 * from its own memory, until the next reset (which returns fallback_bytes to 0). A refused
 * reservation (the testing seam) yields ENGRAM_ERR_INIT_FAILED there too.
 * On any error *out is {NULL, 0, 0} and the arena is unchanged except overflows. */
int32_t engram_arena_alloc(engram_arena *arena, uint64_t size_bytes, uint64_t alignment,
                           engram_allocation_t *out);
/* Zeroes the used bytes if the arena zeroes (the exposed ones too), frees fallbacks, folds
 * counters, offset to 0. A hosted arena zeroes them later, at its next engram_arena_alloc (in
 * the block bound then), so that a write through a pointer taken before the reset and landing
 * after it never reaches a fresh allocation: a host that bumps in its own code must, after a
 * reset of a zeroing hosted arena, hand nothing out until one engram_arena_alloc has run. */
int32_t engram_arena_reset(engram_arena *arena);
int32_t engram_arena_get_stats(const engram_arena *arena, engram_arena_stats_t *out);
uint8_t *engram_arena_base(const engram_arena *arena);
/* Records that the host may write the arena's first end_bytes bytes (clamped to
 * the size), beyond the allocations: a zeroing reset zeroes them too. */
int32_t engram_arena_expose(engram_arena *arena, uint64_t end_bytes);
/* Destroys an instance arena now (it answers ENGRAM_ERR_DESTROYED, its counters are folded into
 * the metrics, it no longer counts in live_arenas or reserved_bytes) but keeps its memory mapped
 * until engram_arena_destroy frees it and the handle: a host's native code may still be writing
 * to memory it took before. A hosted arena has no memory of its own to keep: this retires it and
 * engram_arena_destroy frees the handle. ENGRAM_ERR_INVALID_ARGUMENT for a thread arena (disown
 * it first) or an arena already destroyed. */
int32_t engram_arena_retire(engram_arena *arena);
/* The options the arena was made with. For a thread arena these
 * come from the config it was made from, not the config in force now. */
int32_t engram_arena_get_options(const engram_arena *arena, engram_arena_options_t *out);
/* The live counters (see engram_arena_state_t); valid until the arena is destroyed. */
engram_arena_state_t *engram_arena_state(engram_arena *arena);
uint64_t engram_arena_size(const engram_arena *arena);
uint64_t engram_arena_remaining(const engram_arena *arena);

/* ---- the calling thread's arena ---- */

/* Creates it on first use from the global config. ENGRAM_ERR_INIT_FAILED if memory is refused.
 * The handle points at thread-local storage: after engram_deinit_thread_arena() it reports
 * ENGRAM_ERR_DESTROYED (base NULL, size 0) until this call makes a fresh arena in the same
 * place. When the thread exits (POSIX threads) its arena is freed, and every function given the
 * handle afterwards answers as for a destroyed arena (engram_arena_destroy_checked:
 * ENGRAM_ERR_DESTROYED) without reading the freed storage, until another thread's arena lives at
 * the same address (the handle then reaches that arena). On Windows no exit is seen: call
 * engram_deinit_thread_arena() before the thread ends. */
int32_t engram_thread_arena(engram_arena **out);
/* Resets the calling thread's arena if it exists. */
void engram_reset_arenas(void);
/* Frees the calling thread's arena; a second call is a no-op. */
void engram_deinit_thread_arena(void);
/* Hands the calling thread's arena over as an instance arena (freed by
 * engram_arena_destroy), leaving the thread without one: for a host that must
 * keep the memory alive past the thread's use of it. ENGRAM_ERR_DESTROYED when
 * the thread has no arena, ENGRAM_ERR_INIT_FAILED when the handle cannot be made.
 * The old thread arena handle then reports ENGRAM_ERR_DESTROYED, as after
 * engram_deinit_thread_arena(), until engram_thread_arena() makes a fresh arena. */
int32_t engram_thread_arena_disown(engram_arena **out);

/* ---- global metrics ---- */

/* Three process-wide totals (not one arena's: see engram_arena_get_stats), the engram C API's
 * original call, kept for its callers; engram_get_metrics has them all. Any pointer may be NULL. */
void engram_arena_stats(uint64_t *total_resets, uint64_t *total_overflows,
                        uint64_t *max_high_water_mark);
void engram_get_metrics(engram_arena_metrics_t *out);
/* Zeroes the counters; the gauges (live_arenas, reserved_bytes) keep counting. */
void engram_reset_arena_metrics(void);
/* Counts one block of a hosted arena's memory that the host's user took over (moved out); the
 * host goes on with fresh memory. For hosts only: the library cannot see such a move. */
void engram_record_moved_out(void);

/* ---- host memory ---- */

/* Gives the whole pages inside [memory, memory + bytes) back to the operating system and leaves
 * them mapped and writable (Linux: madvise MADV_DONTNEED, after which they read as zero; macOS:
 * MADV_FREE; Windows: VirtualAlloc MEM_RESET; elsewhere nothing). Their contents are lost: only
 * for memory whose bytes no longer matter, such as a dead hosted arena's block that a host keeps
 * alive a while (a late native writer may still hold a pointer into it) without keeping its
 * pages resident. Bytes of pages only partly inside the range are left alone. Best effort,
 * never fails; NULL, 0 and ranges holding no whole page are no-ops. */
void engram_discard_memory(uint8_t *memory, uint64_t bytes);

/* ---- testing seam ---- */

/* The next `count` reservations (arena buffers, fallbacks, hosted arenas and their fallbacks)
 * fail, in any thread. */
void engram_testing_fail_reservations(uint32_t count);
/* Overwrites the library's config word (phase and config in one 64-bit word) with `word`, as a
 * stray write would. The next config read of a word the library could not have stored aborts
 * the process with "engram arena config: corrupt config word" rather than guess or wait. */
void engram_testing_store_config_word(uint64_t word);

#ifdef __cplusplus
}
#endif

#endif /* ENGRAM_ARENA_H */
