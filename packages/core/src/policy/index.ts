export * from './scaling-policy.js';
export * from './policies/step.js';
export * from './registry.js';
export * from './policies/hybrid.js';
export * from './replica-floor.js';
export * from './callee-attribution.js';
export * from './proactive-defaults.js';
