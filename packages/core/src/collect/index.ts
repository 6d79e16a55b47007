export * from './duration.js';
export * from './service-resolution.js';
export * from './promql.js';
export * from './prometheus-response.js';
export * from './poll-samples.js';
export * from './poll-schedule.js';
export * from './retry-policy.js';
export * from './poll-labeler.js';
