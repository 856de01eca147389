//! Neuron registration prices and subnet lock cost (spec sections 4 and 5).
