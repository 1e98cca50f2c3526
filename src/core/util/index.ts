/** Small shared utilities: coded errors, ids and paths, events, async helpers, atomic files. */
export { AopError, errorMessage, type ErrorCode } from './errors';
export * from './ids';
export { Emitter, type Disposable, type Listener } from './emitter';
export * from './async';
