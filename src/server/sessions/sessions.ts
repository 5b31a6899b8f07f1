import { type AccessService, createAccessService } from './access.js';
import { type BindService, createBindService } from './bind.js';
import { createIntakeService, type IntakeService } from './intake.js';
import { createPostService, type PostService } from './post.js';
import { createPurgeService, type PurgeService } from './purge.js';
import { createRestoreService, type RestoreService } from './restore.js';
import type { SessionServiceDeps } from './services.js';

export type { SessionServiceDeps } from './services.js';

/**
 * Everything that can happen to a session, one service per concern, shared by the socket and
 * HTTP adapters (and `LeFluxServer.post`): no adapter reaches a store, the tasks or the agent
 * any other way.
 */
export interface SessionServices
  extends AccessService,
    BindService,
    IntakeService,
    RestoreService,
    PurgeService,
    PostService {
  /**
   * The sweeper's round: evicts idle sessions (telling their tabs), ends overdue tasks. Resolves
   * with how many sessions it evicted.
   */
  sweep(now: number): Promise<number>;
  /** Resolves when messages, answers and task work started so far have settled. */
  drain(): Promise<void>;
}

/**
 * @example
 * const sessions = createSessionServices({ store, log, conversation, tasks, dispatch, channel, sites, now, logger });
 * const message = await sessions.post(sessionId, { text: 'We are back at 9.', name: 'Ada' });
 */
export function createSessionServices(deps: SessionServiceDeps): SessionServices {
  const { store, tasks, dispatch, channel } = deps;
  const access = createAccessService(deps);
  return {
    ...access,
    ...createBindService(deps, access),
    ...createIntakeService(deps),
    ...createRestoreService(deps, access),
    ...createPurgeService(deps, access),
    ...createPostService(deps),

    async sweep(at) {
      const evicted = await store.sessions.sweep(at);
      for (const id of evicted) channel.ended(id, { disconnect: false });
      const due = await store.tasks.due(at);
      await Promise.all(due.map((id) => store.lock.run(id, () => tasks.current(id))));
      return evicted.length;
    },

    async drain() {
      // Intake starts answers after its lock work; answers post under the lock; lock work never
      // starts answers. So: intake, then answers, then what they queued.
      await store.lock.idle();
      await dispatch.idle();
      await store.lock.idle();
    },
  };
}
