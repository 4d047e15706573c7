/*
 * c_abi_test.c: drives libengram_arena.a through engram_arena.h exactly as a
 * non-Zig host does, calling every exported function and checking results.
 *
 * Usage: c_abi_test MODE
 *   plain    no ENGRAM_ARENA_* variables: defaults, every function, every status
 *   env      started with ENGRAM_ARENA_SIZE=2097152 ENGRAM_ARENA_ZERO=false
 *            ENGRAM_ARENA_OVERFLOW=fallback: the config comes from the environment
 *   bad-env  started with invalid values: reported, defaults kept
 *   panic    overflows an arena with the panic strategy: must abort (exit 3 if not)
 */
#include "engram_arena.h"

#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The layouts ffi.zig asserts on its side. */
static_assert(sizeof(engram_arena_options_t) == 16, "engram_arena_options_t size");
static_assert(offsetof(engram_arena_options_t, zero_on_reset) == 9, "engram_arena_options_t layout");
static_assert(sizeof(engram_arena_stats_t) == 72, "engram_arena_stats_t size");
static_assert(offsetof(engram_arena_stats_t, utilization) == 64, "engram_arena_stats_t layout");
static_assert(sizeof(engram_arena_metrics_t) == 72, "engram_arena_metrics_t size");
static_assert(sizeof(engram_allocation_t) == 24, "engram_allocation_t size");
static_assert(offsetof(engram_allocation_t, fallback) == 16, "engram_allocation_t layout");
static_assert(ENGRAM_HOSTED_SLACK_BYTES == 4096, "a hosted block's slack is one page");

static int failures = 0;

/* A pointer to options made on the spot (a compound literal lives to the end of its block). */
#define OPTIONS(size, strategy, zero) \
    (&(engram_arena_options_t){.size_bytes = (size), .overflow_strategy = (strategy), .zero_on_reset = (zero)})

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "c_abi_test: %s:%d: check failed: %s\n", __FILE__,   \
                    __LINE__, #cond);                                            \
            failures++;                                                          \
        }                                                                        \
    } while (0)

#define CHECK_EQ(actual, expected)                                               \
    do {                                                                         \
        unsigned long long a_ = (unsigned long long)(actual);                    \
        unsigned long long e_ = (unsigned long long)(expected);                  \
        if (a_ != e_) {                                                          \
            fprintf(stderr, "c_abi_test: %s:%d: %s == %llu, expected %llu\n",    \
                    __FILE__, __LINE__, #actual, a_, e_);                        \
            failures++;                                                          \
        }                                                                        \
    } while (0)

static engram_arena *create_arena(uint64_t capacity, uint8_t strategy, uint8_t zero) {
    engram_arena *arena = NULL;
    CHECK_EQ(engram_arena_create(OPTIONS(capacity, strategy, zero), &arena), ENGRAM_OK);
    CHECK(arena != NULL);
    return arena;
}

static void test_arguments(void) {
    engram_arena *arena = (engram_arena *)0;
    engram_allocation_t a;
    engram_arena_stats_t stats;
    CHECK_EQ(engram_arena_create(OPTIONS(4096, ENGRAM_OVERFLOW_ERROR_RETURN, 1), NULL), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_create(NULL, &arena), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_create(OPTIONS(4096, 7, 1), &arena), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_create(OPTIONS(4096, ENGRAM_OVERFLOW_ERROR_RETURN, 2), &arena), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_create(OPTIONS(0, ENGRAM_OVERFLOW_ERROR_RETURN, 1), &arena), ENGRAM_ERR_INVALID_SIZE);
    CHECK_EQ(engram_arena_create(OPTIONS(ENGRAM_MAX_SIZE_BYTES + 1, ENGRAM_OVERFLOW_ERROR_RETURN, 1), &arena),
             ENGRAM_ERR_INVALID_SIZE);
    CHECK(arena == NULL);
    CHECK_EQ(engram_arena_alloc(NULL, 8, 8, &a), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_reset(NULL), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_get_stats(NULL, &stats), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_thread_arena(NULL), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_set_config(NULL), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK(engram_arena_base(NULL) == NULL);
    CHECK_EQ(engram_arena_size(NULL), 0);
    CHECK_EQ(engram_arena_remaining(NULL), 0);
    engram_arena_destroy(NULL);
    engram_get_config(NULL);
    engram_get_metrics(NULL);
    engram_arena_stats(NULL, NULL, NULL);

    arena = create_arena(4096, ENGRAM_OVERFLOW_ERROR_RETURN, 1);
    CHECK_EQ(engram_arena_alloc(arena, 8, 8, NULL), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_get_stats(arena, NULL), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_alloc(arena, 8, 0, &a), ENGRAM_ERR_INVALID_ALIGNMENT);
    CHECK_EQ(engram_arena_alloc(arena, 8, 48, &a), ENGRAM_ERR_INVALID_ALIGNMENT);
    CHECK_EQ(engram_arena_alloc(arena, 8, ENGRAM_MAX_ALIGNMENT * 2, &a), ENGRAM_ERR_INVALID_ALIGNMENT);
    CHECK_EQ(engram_arena_alloc(arena, ENGRAM_MAX_ALLOC_BYTES + 1, 8, &a), ENGRAM_ERR_INVALID_SIZE);
    CHECK_EQ(engram_arena_alloc(arena, UINT64_MAX, 8, &a), ENGRAM_ERR_INVALID_SIZE);
    CHECK_EQ(engram_arena_remaining(arena), 4096);
    engram_arena_destroy(arena);
}

static void test_instance_arena(void) {
    engram_arena_metrics_t before, after;
    engram_get_metrics(&before);

    engram_arena *arena = create_arena(65536, ENGRAM_OVERFLOW_ERROR_RETURN, 1);
    uint8_t *base = engram_arena_base(arena);
    CHECK(base != NULL);
    CHECK_EQ(engram_arena_size(arena), 65536);

    engram_allocation_t a;
    CHECK_EQ(engram_arena_alloc(arena, 5, 1, &a), ENGRAM_OK);
    CHECK_EQ(a.offset, 0);
    CHECK(a.ptr == base);
    CHECK_EQ(engram_arena_alloc(arena, 100, 128, &a), ENGRAM_OK);
    CHECK_EQ(a.offset, 128);
    CHECK(a.ptr == base + 128);
    CHECK_EQ(((uintptr_t)a.ptr) % 128, 0);
    CHECK_EQ(a.fallback, 0);
    memset(a.ptr, 0xFF, 100);
    CHECK_EQ(engram_arena_remaining(arena), 65536 - 228);

    CHECK_EQ(engram_arena_alloc(arena, 65536, 8, &a), ENGRAM_ERR_OUT_OF_CAPACITY);
    CHECK(a.ptr == NULL);

    engram_arena_stats_t stats;
    CHECK_EQ(engram_arena_get_stats(arena, &stats), ENGRAM_OK);
    CHECK_EQ(stats.size_bytes, 65536);
    CHECK_EQ(stats.current_usage_bytes, 228);
    CHECK_EQ(stats.high_water_mark_bytes, 228);
    CHECK_EQ(stats.overflows, 1);
    CHECK_EQ(stats.allocations, 2);
    CHECK_EQ(stats.bytes_allocated, 105);
    CHECK_EQ(stats.fallbacks, 0);
    CHECK(stats.utilization == 228.0 / 65536.0);

    engram_get_metrics(&after);
    CHECK_EQ(after.live_arenas, before.live_arenas + 1);
    CHECK_EQ(after.reserved_bytes, before.reserved_bytes + 65536);

    CHECK_EQ(engram_arena_reset(arena), ENGRAM_OK);
    CHECK_EQ(engram_arena_alloc(arena, 228, 1, &a), ENGRAM_OK);
    for (int i = 0; i < 228; i++) CHECK_EQ(a.ptr[i], 0);
    CHECK_EQ(engram_arena_get_stats(arena, &stats), ENGRAM_OK);
    CHECK_EQ(stats.high_water_mark_bytes, 228);
    CHECK_EQ(stats.overflows, 0);

    engram_arena_destroy(arena);
    engram_get_metrics(&after);
    CHECK_EQ(after.live_arenas, before.live_arenas);
    CHECK_EQ(after.reserved_bytes, before.reserved_bytes);
    CHECK_EQ(after.total_resets, before.total_resets + 1);
    CHECK_EQ(after.total_overflows, before.total_overflows + 1);
    CHECK_EQ(after.total_allocations, before.total_allocations + 3);
}

static void test_fallback_arena(void) {
    engram_arena_metrics_t before, after;
    engram_get_metrics(&before);
    engram_arena *arena = create_arena(4096, ENGRAM_OVERFLOW_FALLBACK, 1);
    engram_allocation_t a;
    CHECK_EQ(engram_arena_alloc(arena, 10000, 4096, &a), ENGRAM_OK);
    CHECK_EQ(a.fallback, 1);
    CHECK_EQ(a.offset, UINT64_MAX);
    CHECK_EQ(((uintptr_t)a.ptr) % 4096, 0);
    for (int i = 0; i < 10000; i++) CHECK_EQ(a.ptr[i], 0);
    memset(a.ptr, 0x5A, 10000);
    CHECK_EQ(engram_arena_remaining(arena), 4096);

    engram_testing_fail_reservations(1);
    CHECK_EQ(engram_arena_alloc(arena, 10000, 8, &a), ENGRAM_ERR_INIT_FAILED);

    engram_arena_stats_t stats;
    CHECK_EQ(engram_arena_get_stats(arena, &stats), ENGRAM_OK);
    CHECK_EQ(stats.fallbacks, 1);
    CHECK_EQ(stats.fallback_bytes, 10000);
    CHECK_EQ(stats.overflows, 2);
    CHECK_EQ(engram_arena_reset(arena), ENGRAM_OK);
    CHECK_EQ(engram_arena_get_stats(arena, &stats), ENGRAM_OK);
    CHECK_EQ(stats.fallback_bytes, 0);
    engram_arena_destroy(arena);
    engram_get_metrics(&after);
    CHECK_EQ(after.total_fallbacks, before.total_fallbacks + 1);
}

static void test_thread_arena(void) {
    engram_arena_options_t config;
    engram_get_config(&config);
    engram_arena *arena = NULL, *again = NULL;
    CHECK_EQ(engram_thread_arena(&arena), ENGRAM_OK);
    CHECK_EQ(engram_thread_arena(&again), ENGRAM_OK);
    CHECK(arena != NULL && arena == again);
    CHECK_EQ(engram_arena_size(arena), config.size_bytes);

    engram_allocation_t a;
    CHECK_EQ(engram_arena_alloc(arena, 64, 64, &a), ENGRAM_OK);
    CHECK_EQ(engram_arena_remaining(arena), config.size_bytes - 64);
    engram_reset_arenas();
    CHECK_EQ(engram_arena_remaining(arena), config.size_bytes);

    engram_deinit_thread_arena();
    engram_deinit_thread_arena();
    CHECK_EQ(engram_arena_alloc(arena, 8, 8, &a), ENGRAM_ERR_DESTROYED);
    CHECK_EQ(engram_arena_reset(arena), ENGRAM_ERR_DESTROYED);
    engram_arena_stats_t stats;
    CHECK_EQ(engram_arena_get_stats(arena, &stats), ENGRAM_ERR_DESTROYED);
    CHECK(engram_arena_base(arena) == NULL);

    /* Expose: bytes written past the offset are zeroed by a zeroing reset. */
    CHECK_EQ(engram_thread_arena(&arena), ENGRAM_OK);
    CHECK_EQ(engram_arena_alloc(arena, 8, 8, &a), ENGRAM_OK);
    CHECK_EQ(engram_arena_expose(arena, 256), ENGRAM_OK);
    a.ptr[200] = 0x77;
    CHECK_EQ(engram_arena_reset(arena), ENGRAM_OK);
    CHECK(a.ptr[200] == (config.zero_on_reset ? 0 : 0x77));
    CHECK_EQ(engram_arena_expose(NULL, 1), ENGRAM_ERR_INVALID_ARGUMENT);
    engram_deinit_thread_arena();

    /* Disown: the memory moves to an instance handle; the thread gets a fresh arena. */
    engram_arena *owned = NULL, *fresh = NULL;
    CHECK_EQ(engram_thread_arena_disown(&owned), ENGRAM_ERR_DESTROYED);
    CHECK(owned == NULL);
    CHECK_EQ(engram_thread_arena(&arena), ENGRAM_OK);
    CHECK_EQ(engram_arena_alloc(arena, 32, 8, &a), ENGRAM_OK);
    a.ptr[0] = 0x5a;
    CHECK_EQ(engram_thread_arena_disown(&owned), ENGRAM_OK);
    CHECK(owned != NULL && owned != arena);
    CHECK(engram_arena_base(owned) == a.ptr && a.ptr[0] == 0x5a);
    CHECK_EQ(engram_arena_remaining(owned), config.size_bytes - 32);
    CHECK_EQ(engram_thread_arena(&fresh), ENGRAM_OK);
    CHECK(engram_arena_base(fresh) != a.ptr);
    engram_arena_destroy(owned);
    engram_deinit_thread_arena();

    engram_testing_fail_reservations(1);
    CHECK_EQ(engram_thread_arena(&again), ENGRAM_ERR_INIT_FAILED);
    CHECK(again == NULL);
    CHECK_EQ(engram_thread_arena(&again), ENGRAM_OK);
    engram_deinit_thread_arena();

    engram_testing_fail_reservations(1);
    CHECK_EQ(engram_arena_create(OPTIONS(4096, ENGRAM_OVERFLOW_ERROR_RETURN, 1), &again), ENGRAM_ERR_INIT_FAILED);
}

/* After disown the old thread arena handle answers DESTROYED,
 * never the bytes the owned arena hands out. */
static void test_disown_retires_old_handle(void) {
    engram_arena *old = NULL, *owned = NULL;
    engram_allocation_t a, b;
    engram_arena_stats_t stats;
    CHECK_EQ(engram_thread_arena(&old), ENGRAM_OK);
    CHECK_EQ(engram_arena_alloc(old, 64, 8, &a), ENGRAM_OK);
    CHECK_EQ(engram_thread_arena_disown(&owned), ENGRAM_OK);
    CHECK_EQ(engram_arena_alloc(old, 64, 8, &b), ENGRAM_ERR_DESTROYED);
    CHECK(b.ptr == NULL);
    CHECK_EQ(engram_arena_reset(old), ENGRAM_ERR_DESTROYED);
    CHECK_EQ(engram_arena_get_stats(old, &stats), ENGRAM_ERR_DESTROYED);
    CHECK(engram_arena_state(old) == NULL);
    CHECK(engram_arena_base(old) == NULL);
    CHECK_EQ(engram_arena_alloc(owned, 64, 8, &b), ENGRAM_OK);
    CHECK(b.ptr == a.ptr + 64);
    engram_arena_destroy(owned);
    /* Before the fix, this wrote through the freed buffer. */
    CHECK_EQ(engram_arena_alloc(old, 64, 8, &b), ENGRAM_ERR_DESTROYED);
    CHECK(b.ptr == NULL);
}

/* Another live thread's thread arena handle. */
struct handoff {
    engram_arena *volatile handle;
    volatile int step;
    volatile int failures;
};

static void wait_for(struct handoff *h, int step) {
    while (__atomic_load_n(&h->step, __ATOMIC_ACQUIRE) < step) sched_yield();
}

static void *arena_owner(void *arg) {
    struct handoff *h = arg;
    engram_arena *arena = NULL;
    engram_allocation_t a;
    if (engram_thread_arena(&arena) != ENGRAM_OK) h->failures++;
    if (engram_arena_alloc(arena, 96, 8, &a) != ENGRAM_OK) h->failures++;
    h->handle = arena;
    __atomic_store_n(&h->step, 1, __ATOMIC_RELEASE);
    wait_for(h, 2);
    if (engram_arena_alloc(arena, 96, 8, &a) != ENGRAM_OK) h->failures++;
    if (engram_arena_remaining(arena) != engram_arena_size(arena) - 192) h->failures++;
    engram_deinit_thread_arena();
    if (engram_arena_reset(arena) != ENGRAM_ERR_DESTROYED) h->failures++;
    __atomic_store_n(&h->step, 3, __ATOMIC_RELEASE);
    wait_for(h, 4);
    return NULL;
}

static void test_destroy_foreign_thread_arena(void) {
    struct handoff h = {NULL, 0, 0};
    pthread_t thread;
    CHECK_EQ(pthread_create(&thread, NULL, arena_owner, &h), 0);
    wait_for(&h, 1);
    engram_arena *foreign = h.handle;
    uint64_t capacity = engram_arena_size(foreign);
    CHECK_EQ(engram_arena_destroy_checked(foreign), ENGRAM_ERR_INVALID_ARGUMENT);
    engram_arena_destroy(foreign); /* before the fix: free(): invalid pointer, abort */
    CHECK_EQ(engram_arena_size(foreign), capacity);
    CHECK_EQ(engram_arena_remaining(foreign), capacity - 96);
    __atomic_store_n(&h.step, 2, __ATOMIC_RELEASE);
    wait_for(&h, 3);
    CHECK_EQ(engram_arena_destroy_checked(foreign), ENGRAM_ERR_INVALID_ARGUMENT);
    __atomic_store_n(&h.step, 4, __ATOMIC_RELEASE);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    CHECK_EQ(h.failures, 0);
}

/* A thread arena handle that outlives its thread: the thread's storage is
 * gone, so every function must answer as for a destroyed arena without
 * reading it, and the arena's memory must have been given back at the exit. */
static void *make_thread_arena_and_exit(void *arg) {
    engram_arena **out = arg;
    engram_allocation_t a;
    if (engram_thread_arena(out) != ENGRAM_OK) *out = NULL;
    else if (engram_arena_alloc(*out, 256, 16, &a) != ENGRAM_OK) *out = NULL;
    return NULL; /* exits without engram_deinit_thread_arena() */
}

static void test_thread_arena_of_exited_thread(void) {
    engram_arena_metrics_t before, after;
    engram_get_metrics(&before);
    engram_arena *orphan = NULL;
    pthread_t thread;
    CHECK_EQ(pthread_create(&thread, NULL, make_thread_arena_and_exit, &orphan), 0);
    CHECK_EQ(pthread_join(thread, NULL), 0);
    CHECK(orphan != NULL);
    engram_get_metrics(&after);
    CHECK_EQ(after.live_arenas, before.live_arenas);
    CHECK_EQ(after.reserved_bytes, before.reserved_bytes);
    CHECK_EQ(after.total_allocations, before.total_allocations + 1);

    engram_allocation_t a;
    engram_arena_stats_t stats;
    engram_arena_options_t options;
    uint64_t base_offset = 99;
    uint8_t block[2 * 4096];
    CHECK_EQ(engram_arena_alloc(orphan, 8, 8, &a), ENGRAM_ERR_DESTROYED);
    CHECK(a.ptr == NULL);
    CHECK_EQ(engram_arena_reset(orphan), ENGRAM_ERR_DESTROYED);
    CHECK_EQ(engram_arena_get_stats(orphan, &stats), ENGRAM_ERR_DESTROYED);
    CHECK_EQ(engram_arena_get_options(orphan, &options), ENGRAM_ERR_DESTROYED);
    CHECK_EQ(engram_arena_bind(orphan, block, sizeof block, 0, &base_offset), ENGRAM_ERR_DESTROYED);
    CHECK_EQ(engram_arena_expose(orphan, 16), ENGRAM_ERR_DESTROYED);
    CHECK_EQ(engram_arena_retire(orphan), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK(engram_arena_base(orphan) == NULL);
    CHECK(engram_arena_state(orphan) == NULL);
    CHECK_EQ(engram_arena_size(orphan), 0);
    CHECK_EQ(engram_arena_remaining(orphan), 0);
    CHECK_EQ(engram_arena_destroy_checked(orphan), ENGRAM_ERR_DESTROYED);
    engram_arena_destroy(orphan); /* must neither free nor read it */

    /* Heap handles are untouched by the registry. */
    engram_arena *instance = create_arena(65536, ENGRAM_OVERFLOW_ERROR_RETURN, 1);
    CHECK_EQ(engram_arena_alloc(instance, 8, 8, &a), ENGRAM_OK);
    CHECK_EQ(engram_arena_destroy_checked(instance), ENGRAM_OK);
}

/* The shipped (ReleaseFast) library against an offset the
 * host wrote past the capacity, through engram_arena_state_t. */
static void test_offset_past_capacity(void) {
    engram_arena *arena = create_arena(65536, ENGRAM_OVERFLOW_ERROR_RETURN, 1);
    engram_arena_state_t *state = engram_arena_state(arena);
    const uint64_t bad[] = {UINT64_MAX - 100, 65536 + 4096, UINT64_MAX};
    engram_allocation_t a;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        state->offset = bad[i];
        CHECK_EQ(engram_arena_alloc(arena, 8, 8, &a), ENGRAM_ERR_OUT_OF_CAPACITY);
        CHECK(a.ptr == NULL);
        CHECK_EQ(engram_arena_alloc(arena, 4096, 64, &a), ENGRAM_ERR_OUT_OF_CAPACITY);
        CHECK(a.ptr == NULL);
        CHECK_EQ(state->overflows, 2 * (i + 1));
        CHECK_EQ(engram_arena_remaining(arena), 0);
    }
    CHECK_EQ(engram_arena_reset(arena), ENGRAM_OK);
    CHECK_EQ(engram_arena_alloc(arena, 8, 8, &a), ENGRAM_OK);
    CHECK(a.ptr == engram_arena_base(arena));
    engram_arena_destroy(arena);
}

/* A hosted arena driven as the Node shim drives one: memory the host owns,
 * lent at each bind, moved between calls, its fallbacks served by the host. */
static void test_hosted_arena(void) {
    enum { BLOCK_PAGES = 4, PAGE = 4096 };
    const uint64_t capacity = 2 * PAGE;
    const uint64_t block_bytes = capacity + ENGRAM_HOSTED_SLACK_BYTES;
    uint8_t *first = aligned_alloc(PAGE, BLOCK_PAGES * PAGE);
    uint8_t *second = aligned_alloc(PAGE, BLOCK_PAGES * PAGE);
    CHECK(first != NULL && second != NULL);
    if (first == NULL || second == NULL) return;
    memset(first, 0, BLOCK_PAGES * PAGE);
    memset(second, 0, BLOCK_PAGES * PAGE);
    engram_arena_metrics_t before, after;
    engram_get_metrics(&before);

    engram_arena *arena = NULL;
    CHECK_EQ(engram_arena_create_hosted(OPTIONS(0, ENGRAM_OVERFLOW_FALLBACK, 1), &arena), ENGRAM_ERR_INVALID_SIZE);
    CHECK_EQ(engram_arena_create_hosted(OPTIONS(capacity, 9, 1), &arena), ENGRAM_ERR_INVALID_ARGUMENT);
    engram_testing_fail_reservations(1);
    CHECK_EQ(engram_arena_create_hosted(OPTIONS(capacity, ENGRAM_OVERFLOW_FALLBACK, 1), &arena), ENGRAM_ERR_INIT_FAILED);
    CHECK(arena == NULL);
    CHECK_EQ(engram_arena_create_hosted(OPTIONS(capacity, ENGRAM_OVERFLOW_FALLBACK, 1), &arena), ENGRAM_OK);
    CHECK(arena != NULL);
    engram_get_metrics(&after);
    CHECK_EQ(after.live_arenas, before.live_arenas + 1);
    CHECK_EQ(after.reserved_bytes, before.reserved_bytes + capacity);
    /* The host counts the blocks its user moved out; the library cannot see them. */
    engram_record_moved_out();
    engram_get_metrics(&after);
    CHECK_EQ(after.total_moved_out, before.total_moved_out + 1);

    /* No memory before the first bind. */
    engram_allocation_t a;
    CHECK_EQ(engram_arena_alloc(arena, 8, 8, &a), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_reset(arena), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_state(arena)->allocations, 0);
    CHECK_EQ(engram_arena_state(arena)->overflows, 0);
    CHECK(engram_arena_base(arena) == NULL);
    CHECK_EQ(engram_arena_size(arena), capacity);

    /* A block 16 bytes past a page: byte 0 of the arena sits on the next page. */
    uint64_t base = 1;
    CHECK_EQ(engram_arena_bind(arena, first + 16, block_bytes - 1, 1, &base), ENGRAM_ERR_INVALID_SIZE);
    CHECK_EQ(engram_arena_bind(arena, NULL, block_bytes, 1, &base), ENGRAM_ERR_INVALID_ARGUMENT);
    CHECK_EQ(engram_arena_bind(arena, first + 16, block_bytes, 1, &base), ENGRAM_OK);
    CHECK_EQ(base, PAGE - 16);
    CHECK(engram_arena_base(arena) == first + PAGE);

    CHECK_EQ(engram_arena_alloc(arena, 100, PAGE, &a), ENGRAM_OK);
    CHECK(a.ptr == first + PAGE);
    CHECK_EQ(a.offset, 0);
    CHECK_EQ(a.fallback, 0);
    memset(a.ptr, 0xAB, 100);
    CHECK_EQ(engram_arena_alloc(arena, 10, PAGE, &a), ENGRAM_OK);
    CHECK(a.ptr == first + 2 * PAGE);
    CHECK_EQ(a.offset, PAGE);
    CHECK_EQ(((uintptr_t)a.ptr) % PAGE, 0);

    /* The fallback is the host's to serve: counted, no pointer. */
    CHECK_EQ(engram_arena_alloc(arena, 5000, 8, &a), ENGRAM_OK);
    CHECK(a.ptr == NULL);
    CHECK_EQ(a.offset, UINT64_MAX);
    CHECK_EQ(a.fallback, 1);
    engram_arena_stats_t stats;
    CHECK_EQ(engram_arena_get_stats(arena, &stats), ENGRAM_OK);
    CHECK_EQ(stats.fallbacks, 1);
    CHECK_EQ(stats.fallback_bytes, 5000);
    CHECK_EQ(stats.overflows, 1);
    CHECK_EQ(stats.allocations, 3);
    CHECK_EQ(stats.bytes_allocated, 5110);
    CHECK_EQ(stats.current_usage_bytes, PAGE + 10);

    /* The host keeps its own copy of the state, moves its block (same
     * alignment) and binds it again: the counters are the copy's. */
    engram_arena_state_t copy = *engram_arena_state(arena);
    memcpy(second, first, BLOCK_PAGES * PAGE);
    CHECK_EQ(engram_arena_bind(arena, second + 16, block_bytes, 0, &base), ENGRAM_OK);
    CHECK_EQ(base, PAGE - 16);
    CHECK(memcmp(engram_arena_state(arena), &copy, sizeof copy) == 0);
    CHECK_EQ(second[PAGE], 0xAB);
    *engram_arena_state(arena) = copy;
    CHECK_EQ(engram_arena_reset(arena), ENGRAM_OK);
    /* A hosted arena zeroes at its next allocation, not at the reset. */
    CHECK_EQ(engram_arena_alloc(arena, 8, 8, &a), ENGRAM_OK);
    CHECK(a.ptr == second + PAGE);
    int nonzero = 0;
    for (int i = 0; i < BLOCK_PAGES * PAGE; i++) nonzero += second[i] != 0;
    CHECK_EQ(nonzero, 0);
    CHECK_EQ(first[PAGE], 0xAB); /* the old block is the host's again */
    CHECK_EQ(engram_arena_state(arena)->fallback_bytes, 0);
    CHECK_EQ(engram_arena_state(arena)->high_water_mark, PAGE + 10);

    /* Moved to an address 48 past a page, bytes and all: the whole block is zeroed. */
    memset(first, 0xEE, BLOCK_PAGES * PAGE);
    CHECK_EQ(engram_arena_bind(arena, first + 48, block_bytes, 0, &base), ENGRAM_OK);
    CHECK_EQ(base, PAGE - 48);
    nonzero = 0;
    for (uint64_t i = 0; i < block_bytes; i++) nonzero += first[48 + i] != 0;
    CHECK_EQ(nonzero, 0);
    CHECK_EQ(first[47], 0xEE);
    CHECK_EQ(first[48 + block_bytes], 0xEE);

    /* Only hosted arenas are bound. */
    engram_arena *owned = create_arena(4096, ENGRAM_OVERFLOW_ERROR_RETURN, 1);
    CHECK_EQ(engram_arena_bind(owned, second, block_bytes, 1, &base), ENGRAM_ERR_INVALID_ARGUMENT);
    engram_arena_destroy(owned);
    CHECK_EQ(engram_arena_bind(NULL, second, block_bytes, 1, &base), ENGRAM_ERR_INVALID_ARGUMENT);

    engram_arena_destroy(arena);
    engram_get_metrics(&after);
    CHECK_EQ(after.live_arenas, before.live_arenas);
    CHECK_EQ(after.reserved_bytes, before.reserved_bytes);
    CHECK_EQ(first[47], 0xEE); /* destroy leaves the host's memory alone */

    /* A dead block kept mapped for late writers gives its whole pages back. */
    memset(second, 0x77, BLOCK_PAGES * PAGE);
    engram_discard_memory(NULL, 0);
    engram_discard_memory(second + 1, 100);
    engram_discard_memory(second + PAGE, 2 * PAGE);
    CHECK_EQ(second[1], 0x77);
    CHECK_EQ(second[PAGE - 1], 0x77);
    CHECK_EQ(second[3 * PAGE], 0x77);
#ifdef __linux__
    CHECK_EQ(second[PAGE], 0);
    CHECK_EQ(second[3 * PAGE - 1], 0);
#endif
    second[PAGE] = 1; /* still mapped and writable */
    CHECK_EQ(second[PAGE], 1);
    free(first);
    free(second);
}

static void test_config_calls(void) {
    engram_arena_options_t wanted = {131072, ENGRAM_OVERFLOW_FALLBACK, 0, {0}};
    engram_arena_options_t config;
    CHECK_EQ(engram_set_config(&wanted), ENGRAM_OK);
    engram_get_config(&config);
    CHECK_EQ(config.size_bytes, 131072);
    CHECK_EQ(config.overflow_strategy, ENGRAM_OVERFLOW_FALLBACK);
    CHECK_EQ(config.zero_on_reset, 0);

    CHECK_EQ(engram_configure_arena(8, ENGRAM_OVERFLOW_PANIC), ENGRAM_OK);
    engram_get_config(&config);
    CHECK_EQ(config.size_bytes, 8ull << 20);
    CHECK_EQ(config.overflow_strategy, ENGRAM_OVERFLOW_PANIC);
    CHECK_EQ(config.zero_on_reset, 0);
    CHECK_EQ(engram_configure_arena(0, ENGRAM_OVERFLOW_PANIC), ENGRAM_ERR_INVALID_SIZE);
    CHECK_EQ(engram_configure_arena(2048, ENGRAM_OVERFLOW_PANIC), ENGRAM_ERR_INVALID_SIZE);
    CHECK_EQ(engram_configure_arena(1, 3), ENGRAM_ERR_INVALID_ARGUMENT);
    wanted.size_bytes = ENGRAM_MIN_CONFIG_SIZE_BYTES - 1;
    CHECK_EQ(engram_set_config(&wanted), ENGRAM_ERR_INVALID_SIZE);
    engram_get_config(&config);
    CHECK_EQ(config.size_bytes, 8ull << 20);

    engram_reset_config();
}

static void test_metrics_calls(void) {
    engram_arena *arena = create_arena(8192, ENGRAM_OVERFLOW_ERROR_RETURN, 0);
    engram_allocation_t a;
    CHECK_EQ(engram_arena_alloc(arena, 3000, 8, &a), ENGRAM_OK);
    CHECK_EQ(engram_arena_alloc(arena, 9000, 8, &a), ENGRAM_ERR_OUT_OF_CAPACITY);
    engram_reset_arena_metrics();
    CHECK_EQ(engram_arena_reset(arena), ENGRAM_OK);

    uint64_t resets = 99, overflows = 99, high_water_mark = 99;
    engram_arena_stats(&resets, &overflows, &high_water_mark);
    CHECK_EQ(resets, 1);
    CHECK_EQ(overflows, 1);
    CHECK_EQ(high_water_mark, 3000);
    engram_arena_stats(&resets, NULL, NULL);

    engram_arena_metrics_t m;
    engram_get_metrics(&m);
    CHECK_EQ(m.total_resets, 1);
    CHECK_EQ(m.total_allocations, 1);
    CHECK_EQ(m.total_bytes_allocated, 3000);
    CHECK_EQ(m.max_high_water_mark_bytes, 3000);
    CHECK_EQ(m.live_arenas, 1);
    CHECK_EQ(m.reserved_bytes, 8192);

    engram_reset_arena_metrics();
    engram_get_metrics(&m);
    CHECK_EQ(m.total_resets, 0);
    CHECK_EQ(m.max_high_water_mark_bytes, 0);
    CHECK_EQ(m.live_arenas, 1);
    engram_arena_destroy(arena);
    engram_get_metrics(&m);
    CHECK_EQ(m.live_arenas, 0);
    CHECK_EQ(m.reserved_bytes, 0);
}

static int run_plain(void) {
    engram_arena_options_t config;
    CHECK_EQ(engram_config_env_errors(), 0);
    engram_get_config(&config);
    CHECK_EQ(config.size_bytes, 1024 * 1024);
    CHECK_EQ(config.overflow_strategy, ENGRAM_OVERFLOW_ERROR_RETURN);
    CHECK_EQ(config.zero_on_reset, 1);
    test_arguments();
    test_instance_arena();
    test_fallback_arena();
    test_thread_arena();
    test_disown_retires_old_handle();
    test_destroy_foreign_thread_arena();
    test_thread_arena_of_exited_thread();
    test_offset_past_capacity();
    test_hosted_arena();
    test_config_calls();
    test_metrics_calls();
    return failures;
}

static int run_env(void) {
    engram_arena_options_t config;
    engram_get_config(&config);
    CHECK_EQ(engram_config_env_errors(), 0);
    CHECK_EQ(config.size_bytes, 2097152);
    CHECK_EQ(config.overflow_strategy, ENGRAM_OVERFLOW_FALLBACK);
    CHECK_EQ(config.zero_on_reset, 0);

    /* The thread arena takes the environment's config. */
    engram_arena *arena = NULL;
    CHECK_EQ(engram_thread_arena(&arena), ENGRAM_OK);
    CHECK_EQ(engram_arena_size(arena), 2097152);
    engram_allocation_t a;
    CHECK_EQ(engram_arena_alloc(arena, 3u << 20, 8, &a), ENGRAM_OK);
    CHECK_EQ(a.fallback, 1);
    engram_deinit_thread_arena();

    /* A set config wins until reset; reset reads the environment again. */
    CHECK_EQ(engram_configure_arena(1, ENGRAM_OVERFLOW_ERROR_RETURN), ENGRAM_OK);
    engram_reset_config();
    engram_get_config(&config);
    CHECK_EQ(config.size_bytes, 2097152);
    return failures;
}

static int run_bad_env(void) {
    engram_arena_options_t config;
    CHECK_EQ(engram_config_env_errors(),
             ENGRAM_ENV_SIZE_INVALID | ENGRAM_ENV_OVERFLOW_INVALID | ENGRAM_ENV_ZERO_INVALID);
    engram_get_config(&config);
    CHECK_EQ(config.size_bytes, 1024 * 1024);
    CHECK_EQ(config.overflow_strategy, ENGRAM_OVERFLOW_ERROR_RETURN);
    CHECK_EQ(config.zero_on_reset, 1);
    return failures;
}

static int run_panic(void) {
    engram_arena *arena = create_arena(65536, ENGRAM_OVERFLOW_PANIC, 1);
    engram_allocation_t a;
    CHECK_EQ(engram_arena_alloc(arena, 62000, 1, &a), ENGRAM_OK);
    engram_arena_alloc(arena, 4096, 64, &a); /* must not return */
    fprintf(stderr, "c_abi_test: the panic strategy returned instead of aborting\n");
    return 3;
}

/* A config word no store could publish, in the shipped (ReleaseFast) library:
 * an abort with a message, at once, not a wait for a loader that is not there. */
static int run_corrupt_config(void) {
    engram_arena_options_t config;
    engram_testing_store_config_word(3); /* a phase the word never holds */
    engram_get_config(&config);          /* must not return */
    fprintf(stderr, "c_abi_test: a corrupt config word was read as a config\n");
    return 3;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "plain";
    int result;
    if (strcmp(mode, "plain") == 0) result = run_plain();
    else if (strcmp(mode, "env") == 0) result = run_env();
    else if (strcmp(mode, "bad-env") == 0) result = run_bad_env();
    else if (strcmp(mode, "panic") == 0) result = run_panic();
    else if (strcmp(mode, "corrupt-config") == 0) result = run_corrupt_config();
    else {
        fprintf(stderr, "c_abi_test: unknown mode %s\n", mode);
        return 2;
    }
    if (result != 0) fprintf(stderr, "c_abi_test %s: %d failures\n", mode, result);
    return result == 0 ? 0 : 1;
}
