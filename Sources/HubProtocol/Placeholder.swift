// HubProtocol: work in progress.
