// Services on the diagram and "Send requests": a Deployment exposed from the Console is drawn
// as a Service with a line to each endpoint pod, and requests sent to it are spread over its
// pods (the counters on their chips rise) through the simulation's request model. Requests
// follow cluster time (none while paused, more a second at 10×); through an Ingress the packet
// visits the ingress controller and the Ingress on its way.
import { test, expect } from '@playwright/test';
import { openLab, watchPageErrors, expectNoPageErrors, run, podChips, consoleLog } from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  watchPageErrors(page);
  await openLab(page, { fresh: true });
});

test.afterEach(async ({ page }) => expectNoPageErrors(page));

/** An nginx Deployment `web`, its Service, and the Ingress `site` (class nginx) routing `/` on
 * `host` (every host without one) to it. */
async function exposeWebThroughIngress(page, host) {
  await run(page, 'kubectl create deployment web --image=nginx');
  await run(page, 'kubectl expose deployment web --port=80');
  const rule = host ? `- host: ${host}\n    http:` : '- http:';
  await run(page, `kubectl apply -f - <<EOF
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: site
spec:
  ingressClassName: nginx
  rules:
  ${rule}
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
EOF`);
}

test('requests sent to an exposed deployment arrive at each of its pods', async ({ page }) => {
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  await run(page, 'kubectl create deployment web --image=nginx --replicas=3');
  await run(page, 'kubectl expose deployment web --port=80');
  const web = podChips(page, 'web-');
  await expect(web).toHaveCount(3);
  for (const chip of await web.all()) await expect(chip).toHaveAttribute('data-status', 'Running');
  const service = page.getByRole('listitem', { name: 'Service web', exact: true });
  await expect(service).toContainText('3 ready endpoints');
  await expect(service).toHaveAttribute('aria-description', /ClusterIP 10\.\d+\.\d+\.\d+, 80\/TCP; ● 3 ready endpoints: web-/);
  await expect(page.locator('.endpoint-line').first()).toHaveAttribute('d', /^M.*M.*M/);

  await page.getByRole('button', { name: /Send requests/ }).click();
  const form = page.getByRole('form', { name: 'Send requests' });
  await expect(form.getByRole('combobox', { name: 'From' })).toBeFocused();
  await expect(form.getByRole('combobox', { name: 'From' })).toHaveValue(/^pod\/default\/web-/);
  await form.getByRole('combobox', { name: 'To' }).fill('web');
  await form.getByRole('spinbutton', { name: 'Requests per second' }).fill('20');
  await form.getByRole('button', { name: 'Start sending' }).click();
  await expect(page.locator('.flight .packet').first()).toBeAttached();
  for (const chip of await web.all()) {
    await expect(chip).not.toHaveAttribute('data-requests', '0');
    await expect(chip).toHaveAttribute('aria-description', /answered \d+ of the requests sent/);
  }
  await expect(form.getByRole('list', { name: 'Requests per pod' }).getByRole('listitem')).toHaveCount(3);
  await expect(form).toContainText(/Last: pod\/web-\S+ → web:80: dns .* → service .* → kube-proxy .* → pod .* — answered by default\/web-/);
  await form.getByRole('button', { name: 'Stop sending' }).click();
  await expect(form.getByRole('status')).toContainText('stopped');

  // The laptop has no cluster DNS: curl says so, in curl's words.
  await form.getByRole('combobox', { name: 'From' }).selectOption('outside');
  await form.getByRole('button', { name: 'Start sending' }).click();
  await expect(form).toContainText('✕ curl: (6) Could not resolve host: web');
  await page.keyboard.press('Escape');
  await expect(form).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Send requests/ })).toBeFocused();
});

test('an Ingress is drawn as the entry point with its routes to Services', async ({ page }) => {
  await exposeWebThroughIngress(page, 'example.test');
  const ingress = page.getByRole('listitem', { name: 'Ingress site', exact: true });
  await expect(ingress).toContainText('example.test/ → web:80');
  await expect(ingress).toHaveAttribute('aria-description', /nginx, .*routes: example\.test\/ → web:80/);
  await expect(page.locator('.route-line')).toHaveAttribute('d', /^M.*C/);
});

/// The form's "N sent" count.
async function sentCount(form) {
  const text = await form.getByRole('status').textContent();
  return Number(/(\d+) sent/.exec(text)[1]);
}

test('requests follow cluster time: none while paused, ten times as many at 10×', async ({ page }) => {
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  await run(page, 'kubectl create deployment web --image=nginx');
  await run(page, 'kubectl expose deployment web --port=80');
  await expect(page.getByRole('listitem', { name: 'Service web', exact: true })).toContainText('1 ready endpoint');
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('1');

  await page.getByRole('button', { name: /Send requests/ }).click();
  const form = page.getByRole('form', { name: 'Send requests' });
  await form.getByRole('combobox', { name: 'To' }).fill('web');
  await form.getByRole('spinbutton', { name: 'Requests per second' }).fill('5');
  await form.getByRole('button', { name: 'Start sending' }).click();
  await expect(form.getByRole('status')).toContainText(/[1-9]\d* sent/);

  // Paused: nothing is sent, and the packets in flight stop.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(form.getByRole('status')).toContainText('paused');
  await expect(page.locator('.flights')).toHaveClass(/paused/);
  const atPause = await sentCount(form);
  await page.waitForTimeout(1500);
  expect(await sentCount(form)).toBe(atPause);

  // Playing at 1×, then at 10×: ten times the cluster time, ten times the requests.
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.locator('.flights')).not.toHaveClass(/paused/);
  const before = await sentCount(form);
  await page.waitForTimeout(2000);
  const atOne = (await sentCount(form)) - before;
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('10');
  const before10 = await sentCount(form);
  await page.waitForTimeout(2000);
  const atTen = (await sentCount(form)) - before10;
  expect(atOne).toBeGreaterThan(3);
  expect(atOne).toBeLessThan(20);
  expect(atTen).toBeGreaterThan(3 * atOne);
  await form.getByRole('button', { name: 'Stop sending' }).click();
});

test('a request through an Ingress flies by the ingress controller and the Ingress', async ({ page }) => {
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  await run(page, 'kubectl apply -f https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.13.2/deploy/static/provider/baremetal/deploy.yaml');
  await exposeWebThroughIngress(page);
  await expect(page.getByRole('listitem', { name: 'Ingress site', exact: true })).toContainText('web:80');
  await expect(podChips(page, 'ingress-nginx-controller-').first()).toHaveAttribute('data-status', 'Running', { timeout: 20000 });
  await run(page, "kubectl get svc ingress-nginx-controller -n ingress-nginx -o jsonpath='{.spec.ports[0].nodePort}'");
  await expect(consoleLog(page)).toContainText(/\b3\d{4}\b/);
  const port = /\b(3\d{4})\b/.exec(await consoleLog(page).textContent())[1];

  await page.getByRole('button', { name: /Send requests/ }).click();
  const form = page.getByRole('form', { name: 'Send requests' });
  await form.getByRole('combobox', { name: 'From' }).selectOption('outside');
  await form.getByRole('combobox', { name: 'To' }).fill(`http://192.168.1.11:${port}/`);
  await form.getByRole('button', { name: 'Start sending' }).click();
  await expect(form).toContainText(/Last: outside → 192\.168\.1\.11:\d+: service .* → kube-proxy .* → ingress on \S+: ingress-nginx\/ingress-nginx-controller-\S+: ingress default\/site .* → service .* → pod .* — answered by default\/web-/, { timeout: 15000 });
  // Outside → the controller's Service → node01's rules → the controller's pod → the Ingress →
  // web's Service → a web pod: seven points at least.
  await expect(page.locator('.flight-route').first()).toHaveAttribute('d', /^M[^L]*(L[^L]*){6,}$/);
  await form.getByRole('button', { name: 'Stop sending' }).click();
});
