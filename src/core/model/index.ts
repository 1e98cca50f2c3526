/** The domain's shared vocabulary: plain data types. */
export * from './types';
