print("opside-sync-bench: placeholder replaced below")
