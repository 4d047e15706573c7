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

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes returned by every fallible function. */
#define ENGRAM_OK 0
#define ENGRAM_ERR_OUT_OF_CAPACITY 1   /* the request does not fit (error_return) */
#define ENGRAM_ERR_INVALID_ALIGNMENT 2 /* zero, not a power of two, or above the maximum */
#define ENGRAM_ERR_INVALID_SIZE 3      /* a size or capacity outside the documented limits */
#define ENGRAM_ERR_INIT_FAILED 4       /* backing memory could not be reserved */
#define ENGRAM_ERR_DESTROYED 5         /* the arena handle was destroyed */
#define ENGRAM_ERR_INVALID_ARGUMENT 6  /* a null pointer or an unknown enum value */

/* Overflow strategies: what an arena does with a request that does not fit. */
#define ENGRAM_OVERFLOW_PANIC 0        /* abort the process with a message */
#define ENGRAM_OVERFLOW_ERROR_RETURN 1 /* return ENGRAM_ERR_OUT_OF_CAPACITY */
#define ENGRAM_OVERFLOW_FALLBACK 2     /* serve it from the general heap until the next reset */

/* Limits. Capacities and allocation sizes above 1 GiB are refused. */
#define ENGRAM_MIN_POOL_SIZE_BYTES (64ull * 1024)            /* ENGRAM_ARENA_SIZE lower bound */
#define ENGRAM_MAX_CAPACITY_BYTES (1024ull * 1024 * 1024)    /* pool size and instance capacity */
#define ENGRAM_MAX_ALLOC_BYTES ENGRAM_MAX_CAPACITY_BYTES     /* one allocation, arena or fallback */
#define ENGRAM_MAX_ALIGNMENT 4096ull                         /* one page */
/* A hosted arena's block holds at least capacity + this many bytes, so that the
 * arena's byte 0 can sit on a 4096-byte boundary wherever the host's allocator
 * put the block (engram_arena_bind). */
#define ENGRAM_HOSTED_SLACK_BYTES ENGRAM_MAX_ALIGNMENT

/* Bits of engram_config_env_errors(): variables present but invalid. */
#define ENGRAM_ENV_SIZE_INVALID 1u     /* ENGRAM_ARENA_SIZE */
#define ENGRAM_ENV_OVERFLOW_INVALID 2u /* ENGRAM_ARENA_OVERFLOW */
#define ENGRAM_ENV_ZERO_INVALID 4u     /* ENGRAM_ARENA_ZERO */

/* The global config: the defaults for the thread arena and for new arenas. */
typedef struct engram_config_t {
    uint64_t pool_size_bytes;
    uint8_t overflow_strategy; /* ENGRAM_OVERFLOW_* */
    uint8_t zero_on_reset;     /* 0 or 1 */
    uint8_t reserved[6];
} engram_config_t;

/* One arena's counters since its last reset (high_water_mark: since creation). */
typedef struct engram_arena_stats_t {
    uint64_t capacity_bytes;
    uint64_t current_usage_bytes; /* offset, alignment padding included */
    uint64_t high_water_mark_bytes;
    uint64_t overflow_count;
    uint64_t allocation_count;    /* successful allocations, fallbacks included */
    uint64_t bytes_allocated;     /* bytes requested by successful allocations */
    uint64_t fallback_count;
    uint64_t fallback_bytes;      /* heap bytes held by fallbacks now (hosted: the host's) */
    double utilization;           /* current_usage / capacity, 0.0 to 1.0 */
} engram_arena_stats_t;

/* Process-wide metrics. Counters fold in at each reset and destroy. */
typedef struct engram_metrics_t {
    uint64_t total_resets;
    uint64_t total_overflows;
    uint64_t max_high_water_mark_bytes;
    uint64_t total_allocations;
    uint64_t total_bytes_allocated;
    uint64_t total_fallbacks;
    uint64_t total_moved_out;     /* hosted memory blocks the host's user took over */
    uint64_t live_arenas;         /* gauge: arenas holding a buffer now, hosted ones included */
    uint64_t reserved_bytes;      /* gauge: capacity of the live arenas */
} engram_metrics_t;

/* The fields of the two structs above as X(c_field, jsName), in the order a
 * host presents them: a host builds its objects by expanding a list rather
 * than naming every field again. The JavaScript host's ArenaStats and
 * ArenaMetrics (lib/types.ts) declare exactly these names, which
 * test/unit/types.test.ts checks by reading this text: keep one entry a line. */
#define ENGRAM_STATS_FIELDS(X)                    \
    X(capacity_bytes, capacity)                   \
    X(current_usage_bytes, currentUsage)          \
    X(high_water_mark_bytes, highWaterMark)       \
    X(overflow_count, overflowCount)              \
    X(utilization, utilization)                   \
    X(allocation_count, allocations)              \
    X(fallback_count, fallbacks)                  \
    X(bytes_allocated, bytesAllocated)            \
    X(fallback_bytes, fallbackBytes)

#define ENGRAM_METRICS_FIELDS(X)                  \
    X(total_resets, totalResets)                  \
    X(total_overflows, totalOverflows)            \
    X(max_high_water_mark_bytes, maxHighWaterMark) \
    X(total_allocations, totalAllocations)        \
    X(total_bytes_allocated, totalBytesAllocated) \
    X(total_fallbacks, totalFallbacks)            \
    X(total_moved_out, totalMovedOut)             \
    X(live_arenas, liveArenas)                    \
    X(reserved_bytes, reservedBytes)

/* Where an allocation landed. For a hosted arena, offset counts from the arena's
 * byte 0, which lies at the bind's base offset in the host's block. */
typedef struct engram_alloc_t {
    uint8_t *ptr;          /* first byte; aligned as requested; NULL for a hosted fallback */
    uint64_t offset;       /* from the arena base; UINT64_MAX for a fallback */
    uint8_t fallback;      /* 1 when served from the heap (freed at the next reset) or, for a
                            * hosted arena, left to the host to serve */
    uint8_t reserved[7];
} engram_alloc_t;

/* An arena's live counters, in place. A host may bump the arena itself with
 * exactly the library's rule, for the requests that fit (size and alignment
 * valid, alignment at most ENGRAM_MAX_ALIGNMENT, the base page-aligned):
 *   start = align_up(offset, alignment); end = start + size; end <= capacity;
 *   offset = end; allocation_count += 1; bytes_allocated += size.
 * high_water_mark holds the mark as of the last time the offset went down (a
 * reset, a free): the arena's mark is max(high_water_mark, offset), which the
 * library takes wherever it reports it, so a bump leaves the field alone (a
 * host that also raises it changes nothing).
 * Everything else (overflow, every strategy, errors, reset) goes through the
 * functions below, which read and keep these same fields. They never trust
 * offset: one past capacity (a host bug) makes every request out of capacity,
 * counted in overflow_count, and remaining 0, until a reset restores it.
 * So a host may also keep its own copy of the whole record (in memory it owns,
 * beside a hosted arena's block for instance), copy it into
 * *engram_arena_state(arena) before each call and copy it back out after: the
 * library's record then only has to be right during calls. A host never
 * changes capacity. */
typedef struct engram_arena_state_t {
    uint64_t offset;
    uint64_t capacity;
    uint64_t high_water_mark;
    uint64_t overflow_count;
    uint64_t allocation_count;
    uint64_t bytes_allocated;
    uint64_t fallback_count;
    uint64_t fallback_bytes;
} engram_arena_state_t;

/* engram_arena_state_t's fields as X(c_field, jsName): the shim tells the facade
 * where each one sits (binding.stateWords), so that lib/arena.ts can check the
 * word indices it reads against this struct when it loads. */
#define ENGRAM_STATE_FIELDS(X)              \
    X(offset, offset)                       \
    X(capacity, capacity)                   \
    X(high_water_mark, highWaterMark)       \
    X(overflow_count, overflowCount)        \
    X(allocation_count, allocations)        \
    X(bytes_allocated, bytesAllocated)      \
    X(fallback_count, fallbacks)            \
    X(fallback_bytes, fallbackBytes)

typedef struct engram_arena engram_arena; /* opaque */

/* ---- global config (the seed's arena_config) ---- */

/* The seed's entry point: pool size in MiB (1..1024) and a strategy. Keeps the zero flag. */
int32_t engram_configure_arena(uint32_t pool_size_mb, uint8_t overflow_strategy);
/* Replaces the whole config after validating it: pool size from ENGRAM_MIN_POOL_SIZE_BYTES to
 * ENGRAM_MAX_CAPACITY_BYTES (else INVALID_SIZE), a known strategy and zero_on_reset 0 or 1
 * (else INVALID_ARGUMENT). */
int32_t engram_set_config(const engram_config_t *config);
/* Reads the config in force, loading it from the environment on first use. */
void engram_get_config(engram_config_t *out);
/* Forgets the config; the next read loads it from the environment again. */
void engram_reset_config(void);
/* ENGRAM_ENV_* bits of the variables that were present but invalid at the last load. */
uint32_t engram_config_env_errors(void);

/* ---- instance and hosted arenas ---- */

/* capacity 1..ENGRAM_MAX_CAPACITY_BYTES (else INVALID_SIZE); zero_on_reset 0 or 1. *out is NULL on
 * failure. The buffer is page-aligned and starts zeroed. */
int32_t engram_arena_create(uint64_t capacity_bytes, uint8_t overflow_strategy,
                            uint8_t zero_on_reset, engram_arena **out);
/* A hosted arena (see Memory above): arguments, validation and status codes as
 * engram_arena_create, but only the handle is allocated. It counts in live_arenas and
 * reserved_bytes (capacity) until destroyed, and a refused reservation
 * (engram_testing_fail_reservations) makes it ENGRAM_ERR_INIT_FAILED. Until its first
 * engram_arena_bind it has no memory: engram_arena_alloc, engram_arena_reset and
 * engram_arena_expose answer ENGRAM_ERR_INVALID_ARGUMENT and change nothing, engram_arena_base
 * is NULL and engram_arena_remaining 0; capacity, stats, state and options answer as usual. */
int32_t engram_arena_create_hosted(uint64_t capacity_bytes, uint8_t overflow_strategy,
                                   uint8_t zero_on_reset, engram_arena **out);
/* Lends a hosted arena the memory_bytes bytes at memory, from now until the next bind: the
 * arena's bytes are memory[base .. base + capacity), base = align_up(memory, 4096) - memory,
 * written to *base_offset_out (0 on failure). memory_bytes must be at least capacity +
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
 * it counts it as any fallback (overflow_count, fallback_count, fallback_bytes, allocation_count,
 * bytes_allocated) and answers ENGRAM_OK with *out = {NULL, UINT64_MAX, 1}: the host serves it
 * from its own memory, until the next reset (which returns fallback_bytes to 0). A refused
 * reservation (the testing seam) yields ENGRAM_ERR_INIT_FAILED there too.
 * On any error *out is {NULL, 0, 0} and the arena is unchanged except overflow_count. */
int32_t engram_arena_alloc(engram_arena *arena, uint64_t size_bytes, uint64_t alignment,
                           engram_alloc_t *out);
/* Zeroes the used bytes if the arena zeroes (the exposed ones too), frees fallbacks, folds
 * counters, offset to 0. A hosted arena zeroes them later, at its next engram_arena_alloc (in
 * the block bound then), so that a write through a pointer taken before the reset and landing
 * after it never reaches a fresh allocation: a host that bumps in its own code must, after a
 * reset of a zeroing hosted arena, hand nothing out until one engram_arena_alloc has run. */
int32_t engram_arena_reset(engram_arena *arena);
int32_t engram_arena_get_stats(const engram_arena *arena, engram_arena_stats_t *out);
uint8_t *engram_arena_base(const engram_arena *arena);
/* Records that the host may write the arena's first end_bytes bytes (clamped to
 * the capacity), beyond the allocations: a zeroing reset zeroes them too. */
int32_t engram_arena_expose(engram_arena *arena, uint64_t end_bytes);
/* Destroys an instance arena now (it answers ENGRAM_ERR_DESTROYED, its counters are folded into
 * the metrics, it no longer counts in live_arenas or reserved_bytes) but keeps its memory mapped
 * until engram_arena_destroy frees it and the handle: a host's native code may still be writing
 * to memory it took before. A hosted arena has no memory of its own to keep: this retires it and
 * engram_arena_destroy frees the handle. ENGRAM_ERR_INVALID_ARGUMENT for a thread arena (disown
 * it first) or an arena already destroyed. */
int32_t engram_arena_retire(engram_arena *arena);
/* The options the arena was made with; pool_size_bytes is its capacity. For a thread arena these
 * come from the config it was made from, not the config in force now. */
int32_t engram_arena_get_options(const engram_arena *arena, engram_config_t *out);
/* The live counters (see engram_arena_state_t); valid until the arena is destroyed. */
engram_arena_state_t *engram_arena_state(engram_arena *arena);
uint64_t engram_arena_capacity(const engram_arena *arena);
uint64_t engram_arena_remaining(const engram_arena *arena);

/* ---- the calling thread's arena (the seed's thread-local arena) ---- */

/* Creates it on first use from the global config. ENGRAM_ERR_INIT_FAILED if memory is refused.
 * The handle points at thread-local storage: after engram_deinit_thread_arena() it reports
 * ENGRAM_ERR_DESTROYED (base NULL, capacity 0) until this call makes a fresh arena in the same
 * place. When the thread exits (POSIX threads) its arena is freed, and every function given the
 * handle afterwards answers as for a destroyed arena (engram_arena_destroy_checked:
 * ENGRAM_ERR_DESTROYED) without reading the freed storage, until another thread's arena lives at
 * the same address (the handle then reaches that arena). On Windows no exit is seen: call
 * engram_deinit_thread_arena() before the thread ends. */
int32_t engram_thread_arena(engram_arena **out);
/* Resets the calling thread's arena if it exists (the seed's name). */
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

/* ---- global metrics (the seed's arena_metrics) ---- */

/* The seed's three counters. Any pointer may be NULL. */
void engram_arena_stats(uint64_t *total_resets, uint64_t *total_overflows,
                        uint64_t *max_high_water_mark);
void engram_get_metrics(engram_metrics_t *out);
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
