module hubmesh-bench-go

go 1.19

require github.com/hubmesh/hubmesh-go v0.0.0

replace github.com/hubmesh/hubmesh-go => ../../../Bindings/go
