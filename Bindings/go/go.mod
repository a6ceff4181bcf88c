module github.com/hubmesh/hubmesh-go

go 1.19
