import { PATTERN_NAMES, type LoadPattern, type PatternName, type PatternOptions } from '../load-pattern.js';
import { constantPattern } from './constant.js';
import { mixedPattern } from './mixed.js';
import { rampPattern } from './ramp.js';
import { spikePattern } from './spike.js';
import { stepPattern } from './step.js';

const BUILDERS: Record<PatternName, (o: PatternOptions) => LoadPattern> = {
  constant: constantPattern,
  ramp: rampPattern,
  step: stepPattern,
  spike: spikePattern,
  mixed: mixedPattern,
};

/** A named pattern in its default shape (the one the recordings show), scaled to the peak and duration. */
export function loadPattern(name: string, o: PatternOptions): LoadPattern {
  if (!(PATTERN_NAMES as readonly string[]).includes(name)) throw new Error(`unknown load pattern '${name}' (one of ${PATTERN_NAMES.join(', ')})`);
  if (!(o.peakRps > 0)) throw new Error(`peak rate must be positive, got ${o.peakRps}`);
  return BUILDERS[name as PatternName](o);
}
