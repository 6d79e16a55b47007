export * from './schedule.js';
export * from './snapshot-recorder.js';
export * from './reactive-loop.js';
export * from './exposition.js';
export * from './interval-queries.js';
