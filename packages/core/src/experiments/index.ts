export * from './snapshot.js';
export * from './statistics.js';
export * from './durations.js';
export * from './analysis.js';
export * from './cost-curve.js';
