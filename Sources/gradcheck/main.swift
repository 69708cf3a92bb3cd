print("gradcheck: not yet implemented")
