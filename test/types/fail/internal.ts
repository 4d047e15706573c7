// Members marked @internal are not part of the published typings.
import { Arena } from 'engram-arena';

export const adopt = Arena.adopt; // error TS2339
