// Members marked @internal are not part of the published typings.
import { Arena } from 'engram-arena';

export const fold = (arena: Arena) => arena.foldInto; // error TS2339
