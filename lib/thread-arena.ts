// The calling thread's arena: one per module instance, so the main thread and
// every worker each have their own. An ordinary Arena made from the global
// config; this module alone decides when it is made and destroyed.
import { Arena } from './arena';

let current: Arena | null = null;

/**
 * The calling thread's arena (the main thread and each worker have their own),
 * made on first use from the global config and kept until deinitThreadArena()
 * or its own destroy().
 */
export function threadArena(): Arena {
  if (current === null || current.destroyed) current = new Arena();
  return current;
}

/** Resets the calling thread's arena, detaching its Buffers; nothing to do when it has none. */
export function resetThreadArena(): void {
  if (current !== null && !current.destroyed) current.reset();
}

/** Frees the calling thread's arena; the next threadArena() makes a fresh one. */
export function deinitThreadArena(): void {
  if (current === null) return;
  // Throws ERR_ARENA_HELD while a hold is out; the arena then stays this thread's.
  current.destroy();
  current = null;
}
