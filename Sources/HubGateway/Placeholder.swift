// HubGateway: work in progress.
