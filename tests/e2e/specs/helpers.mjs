// What the specs share: opening the lab, typing in the Console, finding nodes, pods and the
// clock by the accessible names PRODUCT.md promises, and failing a test when the page throws.
import { expect } from '@playwright/test';

/// Opens the lab and waits for the default cluster; `fresh` forgets saved state (layout,
/// history, lessons) first, `paused` stops cluster time.
export async function openLab(page, { fresh = false, paused = false } = {}) {
  await page.goto('./');
  if (fresh) {
    await page.evaluate(() => localStorage.clear());
    await page.reload();
  }
  await expect(nodeRegion(page, 'node01')).toBeVisible();
  if (paused) await page.getByRole('button', { name: 'Pause' }).click();
}

/// Collects the page's uncaught errors; `expectNoPageErrors` fails the test on any.
export function watchPageErrors(page) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.errors = errors;
}

export function expectNoPageErrors(page) {
  expect(page.errors, 'the page threw').toEqual([]);
}

/// Types a command line in the Console and runs it.
export async function run(page, command) {
  const console = page.getByRole('textbox', { name: 'Console' });
  await console.fill(command);
  await console.press('Enter');
}

export const consoleLog = (page) => page.getByRole('log', { name: 'Console output' });

/// A node's box on the diagram ("Node NAME").
export const nodeRegion = (page, name) => page.getByRole('region', { name: `Node ${name}`, exact: true });

/// A pod's chip ("Pod NAME") anywhere inside `scope` (the page, a node, the tray).
export const podChip = (scope, name) => scope.getByRole('listitem', { name: `Pod ${name}`, exact: true });

/// The chips of the pods whose names start with `prefix` (a Deployment's, say).
export const podChips = (scope, prefix) => scope.getByRole('listitem', { name: new RegExp(`^Pod ${prefix}`) });

/// The cluster clock (`mm:ss`), and that text `seconds` later.
export const clock = (page) => page.locator('.clock-value');

export function clockPlus(text, seconds) {
  const [m, s] = text.split(':').map(Number);
  const next = m * 60 + s + seconds;
  return `${String(Math.floor(next / 60)).padStart(2, '0')}:${String(next % 60).padStart(2, '0')}`;
}

/// Presses Step (one second of cluster time) until `chip` shows `status`, at most `tries` times.
export async function stepUntilStatus(page, chip, status, tries = 30) {
  const step = page.getByRole('button', { name: 'Step' });
  for (let i = 0; i < tries && (await chip.getAttribute('data-status')) !== status; i++) {
    await step.click();
  }
  await expect(chip).toHaveAttribute('data-status', status);
}
