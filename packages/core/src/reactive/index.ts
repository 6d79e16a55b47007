export * from './hpa-controller.js';
