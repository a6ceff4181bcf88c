// HubServer: work in progress.
