/**
 * Probability calibration, as the trainer fits it (models/train.py, CALIBRATION_RULE): Platt scaling
 * q = 1 / (1 + exp(-(a · logit(p) + b))), fitted per model on out-of-fold probabilities. The three models'
 * raw probabilities live on different scales (a forest's 0.6 is an XGBoost's 0.25); calibrated, they can
 * be averaged or stacked. Calibration never changes a model's own vote: it is monotone, and the vote
 * compares the raw probability with the card's threshold.
 */
export interface PlattCalibration {
  method: 'platt';
  a: number;
  b: number;
}

/** Probabilities are clipped to [EPS, 1 − EPS] before their logit; the trainer uses the same constant. */
export const PROBABILITY_EPS = 1e-6;

export function logit(p: number): number {
  const q = Math.min(1 - PROBABILITY_EPS, Math.max(PROBABILITY_EPS, p));
  return Math.log(q / (1 - q));
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The calibrated probability; without a calibration, p itself. */
export function calibrate(calibration: PlattCalibration | undefined, p: number): number {
  return calibration ? sigmoid(calibration.a * logit(p) + calibration.b) : p;
}

/** Validates a card's `calibration` field; `where` names the card in errors. */
export function parseCalibration(json: unknown, where: string): PlattCalibration {
  const c = json as Record<string, unknown> | null;
  if (typeof c !== 'object' || c === null || c.method !== 'platt') throw new Error(`${where}: field 'calibration' must be {"method": "platt", "a": number, "b": number}`);
  if (typeof c.a !== 'number' || !Number.isFinite(c.a) || !(c.a > 0)) throw new Error(`${where}: calibration.a must be a number > 0 (a calibration must keep the model's ranking)`);
  if (typeof c.b !== 'number' || !Number.isFinite(c.b)) throw new Error(`${where}: calibration.b must be a finite number`);
  return { method: 'platt', a: c.a, b: c.b };
}
