export * from './request-bins.js';
export * from './lab-cluster.js';
export * from './lab-controller.js';
export * from './controllers/static.js';
export * from './controllers/reactive.js';
export * from './controllers/proactive.js';
export * from './lab-run.js';
export * from './lab-summary.js';
