// Volumes on the diagram: a pod's volumes on its chip, and beside the cluster the claim it
// mounts with lines to that pod and to the PersistentVolume the claim is bound to.
import { test, expect } from '@playwright/test';
import { openLab, watchPageErrors, expectNoPageErrors, run, podChip } from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  watchPageErrors(page);
  await openLab(page, { fresh: true, paused: true });
});

test.afterEach(async ({ page }) => expectNoPageErrors(page));

const MANIFESTS = `kubectl apply -f - <<EOF
apiVersion: v1
kind: PersistentVolume
metadata:
  name: task-pv-volume
spec:
  storageClassName: manual
  capacity:
    storage: 10Gi
  accessModes: [ReadWriteOnce]
  hostPath:
    path: /mnt/data
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: task-pv-claim
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 3Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: task-pv-pod
spec:
  volumes:
  - name: task-pv-storage
    persistentVolumeClaim:
      claimName: task-pv-claim
  - name: cache
    emptyDir: {}
  containers:
  - name: task-pv-container
    image: nginx
    volumeMounts:
    - mountPath: /usr/share/nginx/html
      name: task-pv-storage
EOF`;

test('a claim is drawn bound to its volume and connected to the pod that mounts it', async ({ page }) => {
  await run(page, MANIFESTS);
  const volume = page.getByRole('listitem', { name: 'PersistentVolume task-pv-volume', exact: true });
  const claim = page.getByRole('listitem', { name: 'PersistentVolumeClaim task-pv-claim', exact: true });
  await expect(volume).toContainText('Bound · default/task-pv-claim');
  await expect(volume).toContainText('10Gi · RWO · Retain');
  await expect(claim).toContainText('Bound to task-pv-volume · 10Gi');
  await expect(claim).toHaveAttribute('aria-description', /used by task-pv-pod/);

  const pod = podChip(page, 'task-pv-pod');
  await expect(pod).toHaveAttribute('aria-description', /volumes: task-pv-storage: persistentVolumeClaim task-pv-claim, cache: emptyDir/);
  await expect(pod.locator('.volume-badge')).toContainText('▤ 2');
  // Claim → volume, and claim → pod.
  await expect(page.locator('.claim-line')).toHaveAttribute('d', /^M[^M]+M[^M]+$/);

  await run(page, 'kubectl delete pod task-pv-pod');
  await run(page, 'kubectl delete pvc task-pv-claim');
  await run(page, 'sleep 30');
  await expect(claim).toHaveCount(0);
  await expect(volume).toContainText('Released');
  await expect(page.locator('.claim-line')).toHaveAttribute('d', '');
});
