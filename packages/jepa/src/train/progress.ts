// One-line progress display: step, loss terms, tokens/s, ETA, last dev MAP. Redraws in place on a
// TTY; prints a line every `every` steps otherwise (CI logs stay readable).

export interface ProgressState {
  step: number;
  total: number;
  terms: Record<string, number>;
  tokensPerSec: number;
  lastMap?: number;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60),
    sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}

export class Progress {
  private start = Date.now();
  private startStep: number;
  private tty = !!process.stderr.isTTY;

  constructor(
    startStep: number,
    private every = 10,
  ) {
    this.startStep = startStep;
  }

  line(s: ProgressState): string {
    const frac = s.total ? s.step / s.total : 0;
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const elapsed = (Date.now() - this.start) / 1000;
    const done = s.step - this.startStep;
    const eta = done > 0 ? (elapsed / done) * (s.total - s.step) : NaN;
    const terms = Object.entries(s.terms)
      .map(([k, v]) => `${k} ${fmtNum(v)}`)
      .join(' ');
    const map = s.lastMap === undefined ? '' : ` | dev MAP ${s.lastMap.toFixed(2)}`;
    return `${bar} ${s.step}/${s.total} | ${terms} | ${Math.round(s.tokensPerSec)} tok/s | ETA ${fmtTime(eta)}${map}`;
  }

  update(s: ProgressState): void {
    const text = this.line(s);
    if (this.tty) process.stderr.write(`\r\x1b[K${text}`);
    else if (s.step % this.every === 0 || s.step === s.total) process.stderr.write(`${text}\n`);
  }

  /** Print a message without garbling the bar. */
  log(msg: string): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${msg}\n`);
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : v.toFixed(a < 1 ? 4 : 3);
}
