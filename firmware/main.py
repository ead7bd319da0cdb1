# Runs after boot.py on every reset: start the controller.
from midictl import app

app.run()
