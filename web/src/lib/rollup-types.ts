// The session and user rollups the API answers with, taken from the server's model as types only.
import type { Session, SessionDetail, User, UserScoreSummary } from '../../../src/model/rollups';

export type { Session, SessionDetail, User, UserScoreSummary };
