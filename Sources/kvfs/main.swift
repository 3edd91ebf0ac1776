print("kvfs")
