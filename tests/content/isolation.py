"""Content in the isolation suite.

The app has no models and no routes yet. As it gets them, this module says who may see and change its rows, makes
rows of them in the world and gives its routes' bodies (``tests/isolation/plugins.py`` lists what it may declare;
``tests/deals/isolation.py`` is a full example).
"""
