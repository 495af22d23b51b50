/** The data-parallel launch flags of `cyclegan train` (launch.ts reads them), declared for the parser and help. */
import type { OptionSpec } from './option_spec.js';

export const LAUNCH_OPTIONS: readonly OptionSpec[] = [
  { name: 'nproc', takes: 'value', placeholder: 'N', default: 'none (one process)', help: 'data-parallel training: start N worker processes on this machine, one rank each' },
  { name: 'nnodes', takes: 'value', placeholder: 'M', default: '1', help: 'machines taking part (run the same command on each, with its own --node_rank)' },
  { name: 'node_rank', takes: 'value', placeholder: 'I', default: '0', help: "this machine's index among --nnodes; its workers are ranks I x N ... I x N + N - 1" },
  { name: 'master_addr', takes: 'value', placeholder: 'HOST', default: '127.0.0.1 (or MASTER_ADDR)', help: 'the address of node 0, where rank 0 serves the rendezvous store' },
  { name: 'master_port', takes: 'value', placeholder: 'PORT', default: 'a free port on one machine, else 29500 (or MASTER_PORT)', help: "rank 0's rendezvous port" },
  { name: 'dist_backend', takes: 'value', placeholder: 'NAME', values: 'gloo, nccl', default: 'gloo', help: 'the collective backend: gloo on CPU, nccl on GPUs (one per local rank; needs a CUDA build)' },
  { name: 'dist_timeout', takes: 'value', placeholder: 'S', default: '60', help: 'seconds a rank waits for the others before failing with an error naming the rank that stopped' },
];
