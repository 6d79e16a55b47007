import { PATTERN_NAMES, TRACE_PATTERN, type BuiltinPatternName, type LoadPattern, type PatternOptions } from '../load-pattern.js';
import { constantPattern } from './constant.js';
import { mixedPattern } from './mixed.js';
import { rampPattern } from './ramp.js';
import { spikePattern } from './spike.js';
import { stepPattern } from './step.js';

const BUILDERS: Record<BuiltinPatternName, (o: PatternOptions) => LoadPattern> = {
  constant: constantPattern,
  ramp: rampPattern,
  step: stepPattern,
  spike: spikePattern,
  mixed: mixedPattern,
};

/**
 * A built-in pattern in its default shape (the one the recordings show), scaled to the peak and duration.
 * ('trace' is not built here: it needs a file; see `tracePattern`.)
 */
export function loadPattern(name: string, o: PatternOptions): LoadPattern {
  if (name === TRACE_PATTERN) throw new Error(`load pattern '${TRACE_PATTERN}' plays a file: build it with tracePattern(text, name, options)`);
  if (!(PATTERN_NAMES as readonly string[]).includes(name)) throw new Error(`unknown load pattern '${name}' (one of ${PATTERN_NAMES.join(', ')})`);
  if (!(o.peakRps > 0)) throw new Error(`peak rate must be positive, got ${o.peakRps}`);
  return BUILDERS[name as BuiltinPatternName](o);
}
