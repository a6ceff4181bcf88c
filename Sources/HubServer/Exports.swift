// Hub methods take and return HubProtocol values (HubValue, HubConnectionConfiguration, ...):
// importing HubServer is enough to write them.
@_exported import HubProtocol
