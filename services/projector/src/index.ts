export { createProjector } from './projector.js';
export type { Projector, ProjectorOptions } from './projector.js';
export type { TicketReadModel } from './ticket-read-model.port.js';
export { createSqliteTicketReadModel } from './sqlite-ticket-read-model.js';
export { ticketRoutes } from './http/ticket-routes.js';
export type { TicketRoutesOptions } from './http/ticket-routes.js';
export { openTicketReadModel } from './open-read-model.js';
export { runProjectorService } from './projector-service.js';
export type { ProjectorServiceOptions } from './projector-service.js';
