import { connect, createServer, type Socket } from 'node:net';

/** A TCP load balancer for tests: loopback only, round robin, no sticky sessions. */
export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** How many connections went to each backend port so far. */
  readonly connections: ReadonlyMap<number, number>;
  /**
   * For tests that need a tab on a given node: new connections go to `port` first (the others
   * still take them when it refuses); undefined: round robin again. Open connections stay put.
   */
  prefer(port: number | undefined): void;
  /** Cuts every open connection (both sides), as a load balancer restart would. */
  cutAll(): void;
  close(): Promise<void>;
}

export interface RoundRobinProxyOptions {
  /** Backend ports on 127.0.0.1; each new connection goes to the next one. */
  ports: readonly number[];
  /** Listen on this port; default 0 (a free one). */
  port?: number;
}

/**
 * Forwards each TCP connection to the next backend in turn; a backend that refuses the
 * connection (stopped, draining) is skipped for the next one, as a load balancer retries a
 * refused upstream (nginx `proxy_next_upstream error`). It knows nothing of HTTP: websockets and
 * long-polling requests go wherever their connection goes, so without sticky sessions a
 * long-polling client's requests may reach different nodes.
 *
 * @example
 * const proxy = await startRoundRobinProxy({ ports: [node1.port, node2.port] });
 * const socket = io(proxy.url);
 */
export async function startRoundRobinProxy(
  options: RoundRobinProxyOptions,
): Promise<RoundRobinProxy> {
  const { ports } = options;
  const open = new Set<Socket>();
  const connections = new Map<number, number>();
  let next = 0;
  let preferred: number | undefined;

  /** Connects to the next backend that accepts, trying each once. */
  function upstream(tried = 0): Promise<Socket | undefined> {
    if (tried >= ports.length) return Promise.resolve(undefined);
    const port =
      preferred !== undefined && tried === 0 ? preferred : (ports[next++ % ports.length] as number);
    return new Promise((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        connections.set(port, (connections.get(port) ?? 0) + 1);
        done(socket);
      });
      socket.once('error', () => {
        socket.destroy();
        done(upstream(tried + 1));
      });
    });
  }

  const server = createServer((client) => {
    open.add(client);
    client.pause();
    client.on('error', () => client.destroy());
    client.once('close', () => open.delete(client));
    upstream().then((backend) => {
      if (!backend || client.destroyed) {
        backend?.destroy();
        client.destroy();
        return;
      }
      open.add(backend);
      backend.once('close', () => open.delete(backend));
      backend.on('error', () => backend.destroy());
      // Either side closing closes the other, as a load balancer does.
      backend.once('close', () => client.destroy());
      client.once('close', () => backend.destroy());
      client.pipe(backend);
      backend.pipe(client);
      client.resume();
    });
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections,
    prefer(port) {
      preferred = port;
    },
    cutAll() {
      for (const socket of open) socket.destroy();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
