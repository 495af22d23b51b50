/**
 * The dashboard on a thread of its own. A training step runs in native code for a second or more
 * without returning to Node's event loop, and between steps the loop often only runs microtasks;
 * a server on the training thread would answer a page request minutes late. On a worker thread it
 * answers at once, reading the same files.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../errors.js';
import { startDashboard, type Dashboard, type DashboardOptions } from './server.js';

type FromWorker = { type: 'ready'; url: string; host: string; port: number; token: string } | { type: 'failed'; config: boolean; message: string } | { type: 'closed' };

/** startDashboard, run on a worker thread. */
export function startDashboardThread(options: DashboardOptions): Promise<Dashboard> {
  const worker = new Worker(new URL(import.meta.url), { workerData: options });
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the dashboard thread stopped (exit code ${code}) before it was ready`));
    worker.once('exit', onExit);
    worker.once('error', reject);
    worker.once('message', (message: FromWorker) => {
      worker.off('exit', onExit);
      if (message.type === 'failed') {
        void worker.terminate();
        return reject(message.config ? new ConfigError(message.message) : new Error(message.message));
      }
      if (message.type !== 'ready') return reject(new Error('the dashboard thread answered out of turn'));
      resolve({
        url: message.url,
        host: message.host,
        port: message.port,
        token: message.token,
        close: () =>
          new Promise<void>((done) => {
            worker.once('exit', () => done());
            worker.postMessage('close');
          }),
      });
    });
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const post = (message: FromWorker) => port.postMessage(message);
  startDashboard(workerData as DashboardOptions).then(
    (dashboard: Dashboard) => {
      post({ type: 'ready', url: dashboard.url, host: dashboard.host, port: dashboard.port, token: dashboard.token });
      port.once('message', async () => {
        await dashboard.close();
        port.close();
      });
    },
    (error: Error) => {
      post({ type: 'failed', config: error instanceof ConfigError, message: error.message });
      port.close();
    },
  );
}
