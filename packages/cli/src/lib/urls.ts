/**
 * A URL as it may be printed, logged or stamped into a result: user and password (`user:secret@host`)
 * become `***`, so that a summary, a timeline or a CI log never carries them.
 */
export function withoutCredentials(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const shown = new URL(url.href);
  shown.username = '***';
  shown.password = '';
  return shown.href;
}
