print("hubmesh-bench: work in progress")
