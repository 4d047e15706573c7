// scope() resets the arena when its callback returns: an async callback would
// keep using detached buffers, so it must not compile.
import { Arena } from 'engram-arena';

const arena = new Arena();
export const sync: number = arena.scope(() => 1);
export const asyncScope = arena.scope(async () => 1); // error TS2322
