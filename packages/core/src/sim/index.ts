export * from './topology.js';
export * from './service-queue.js';
export * from './emulator.js';
export * from './replica-request.js';
export * from './calibration.js';
